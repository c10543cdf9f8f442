package ossserver

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// OSS keys may hold any UTF-8, control characters included. The SDKs
// write those in XML bodies as character references (&#x01;), which XML
// 1.0, and so Go's decoder, refuses. escapeControlRefs rewrites each such
// reference as refEscape followed by a stand-in rune the decoder accepts
// (and doubles refEscape wherever it occurs), so that the document decodes;
// unescapeControlRefs restores the decoded text.

// refEscape is the last private-use code point: valid XML, unlikely in a
// key, and doubled when it does occur so that nothing is lost.
const refEscape = '\U0010FFFD'

// standIn maps control character c to the rune that stands for it.
const standIn = 0x40

var (
	escapeBytes  = []byte(string(refEscape))
	doubleEscape = []byte(string(refEscape) + string(refEscape))
	cdataStart   = []byte("<![CDATA[")
	cdataEnd     = []byte("]]>")
)

func escapeControlRefs(body []byte) []byte {
	if !bytes.Contains(body, []byte("&#")) && !bytes.Contains(body, escapeBytes) {
		return body
	}
	out := make([]byte, 0, len(body)+16)
	for i := 0; i < len(body); {
		rest := body[i:]
		switch {
		case bytes.HasPrefix(rest, escapeBytes):
			out = append(out, doubleEscape...)
			i += len(escapeBytes)
		case bytes.HasPrefix(rest, cdataStart): // references are literal text inside
			n := bytes.Index(rest, cdataEnd)
			if n < 0 {
				n = len(rest) - len(cdataEnd) // unterminated: the decoder will say so
			}
			n += len(cdataEnd)
			out = append(out, bytes.ReplaceAll(rest[:n], escapeBytes, doubleEscape)...)
			i += n
		default:
			c, n := controlRef(rest)
			if n == 0 {
				out = append(out, body[i])
				i++
				continue
			}
			out = utf8.AppendRune(append(out, escapeBytes...), c+standIn)
			i += n
		}
	}
	return out
}

// controlRef reads a character reference at the start of b to a control
// character XML does not allow; n is 0 when there is none.
func controlRef(b []byte) (c rune, n int) {
	if !bytes.HasPrefix(b, []byte("&#")) {
		return 0, 0
	}
	end := bytes.IndexByte(b, ';')
	if end < 0 || end > 12 {
		return 0, 0
	}
	digits, base := string(b[2:end]), 10
	if rest, ok := strings.CutPrefix(digits, "x"); ok {
		digits, base = rest, 16
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil || v >= 0x20 || v == '\t' || v == '\n' || v == '\r' {
		return 0, 0
	}
	return rune(v), end + 1
}

func unescapeControlRefs(s string) string {
	if !strings.ContainsRune(s, refEscape) {
		return s
	}
	var out strings.Builder
	escaped := false
	for _, r := range s {
		switch {
		case escaped && r == refEscape:
			out.WriteRune(refEscape)
			escaped = false
		case escaped:
			out.WriteRune(r - standIn)
			escaped = false
		case r == refEscape:
			escaped = true
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}
