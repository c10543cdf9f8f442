'use strict';
// Shared pieces of the ali-oss compatibility suite: the environment it is
// driven by, the clients it builds, and what OSS's answers should look like.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const OSS = require('ali-oss');

const KiB = 1024;
// OSS's smallest part (all but the last); ali-oss refuses smaller partSize.
const MIN_PART = 100 * KiB;

// readEnv returns the server's coordinates, failing loudly when any is
// missing: a suite that silently ran against nothing would prove nothing.
function readEnv() {
  const names = {
    endpoint: 'OSS_TEST_ENDPOINT',
    region: 'OSS_TEST_REGION',
    accessKeyId: 'OSS_TEST_ACCESS_KEY_ID',
    accessKeySecret: 'OSS_TEST_ACCESS_KEY_SECRET',
    bucket: 'OSS_TEST_BUCKET',
  };
  const missing = Object.values(names).filter((n) => !process.env[n]);
  if (missing.length > 0) {
    throw new Error(`set ${missing.join(', ')} (see README.md in this folder)`);
  }
  const env = {};
  for (const [field, name] of Object.entries(names)) env[field] = process.env[name];
  // ali-oss names regions with the "oss-" prefix (oss-cn-hangzhou) and strips
  // it for V4 credential scopes; accept the server's bare form as well.
  if (!env.region.startsWith('oss-')) env.region = `oss-${env.region}`;
  return env;
}

// newClient builds the ali-oss client for one signing version. With an IP
// endpoint ali-oss does not put the bucket into the URL host: it sends
// virtual-hosted requests to the IP with a Host header of
// BUCKET.oss-REGION.aliyuncs.com (lib/common/utils/createRequest.js).
// sldEnable ("second-level domain") is its switch for path-style URLs,
// /BUCKET/KEY. The Host header stays, so the server must not be started with
// --domain oss-REGION.aliyuncs.com (its default, localhost, is right): that
// would make it take the bucket from the host and the whole path as the key.
function newClient(env, version, endpoint = env.endpoint) {
  return new OSS({
    endpoint,
    region: env.region,
    accessKeyId: env.accessKeyId,
    accessKeySecret: env.accessKeySecret,
    bucket: env.bucket,
    authorizationV4: version === 'V4',
    sldEnable: true,
    timeout: 60000,
  });
}

function md5Hex(buf) {
  return crypto.createHash('md5').update(buf).digest('hex').toUpperCase();
}

// etagOf is the ETag OSS gives an object written in one piece, or a part.
function etagOf(buf) {
  return `"${md5Hex(buf)}"`;
}

// multipartEtagOf is the ETag OSS gives a completed multipart object: the
// MD5 of its parts' ETags as upper-case hex strings, concatenated, then
// "-" and the part count (issue 14; the SDK v1's tests assert it).
function multipartEtagOf(parts) {
  const joined = parts.map(md5Hex).join('');
  return `"${md5Hex(Buffer.from(joined, 'ascii'))}-${parts.length}"`;
}

// slices cuts buf into parts of size bytes, the last one shorter.
function slices(buf, size) {
  const out = [];
  for (let off = 0; off < buf.length; off += size) out.push(buf.subarray(off, off + size));
  return out;
}

// rejectsWith asserts that an ali-oss call fails with this HTTP status and
// OSS error code (and EC when given).
async function rejectsWith(promise, { status, code, ec }) {
  await assert.rejects(promise, (err) => {
    const seen = `${err.status} ${err.code} ${err.ecCode || ''}: ${err.message}`;
    assert.equal(err.status, status, seen);
    assert.equal(err.code, code, seen);
    if (ec) assert.equal(err.ecCode, ec, seen);
    return true;
  });
}

// xmlField reads one element of an OSS XML error body.
function xmlField(xml, name) {
  const m = xml.match(new RegExp(`<${name}>([^<]*)</${name}>`));
  return m ? m[1] : undefined;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = {
  KiB,
  MIN_PART,
  readEnv,
  newClient,
  md5Hex,
  etagOf,
  multipartEtagOf,
  slices,
  rejectsWith,
  xmlField,
  sleep,
};
