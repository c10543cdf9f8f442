// Package crcmath does arithmetic on CRC-64/ECMA values (the x-oss-hash-crc64ecma
// of OSS, Go's crc64.ECMA table) without reading the bytes they stand for.
//
// A CRC register is a linear function of the message over GF(2), so appending
// n zero bytes is a fixed 64x64 bit matrix. This package precomputes the
// matrices for 2^k zero bytes once, which makes Shift, Combine and Sub cost
// O(popcount(n)) matrix-vector products instead of O(n) bytes or the
// O(log n) matrix squarings that the SDK's CRC64Combine repeats on every call.
//
// Two domains are used:
//   - the checksum c(M) that OSS reports (pre- and post-inverted register);
//   - the linear value L(M), the register after M starting from zero, which is
//     linear in M: L(A xor B) = L(A) xor L(B) for equal lengths.
//
// They relate by c(M) = L(M) xor c(zeros(len M)).
package crcmath
