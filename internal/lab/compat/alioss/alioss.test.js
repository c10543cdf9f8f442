'use strict';
// ali-oss, the official Node.js OSS SDK, drives an OSS-compatible server
// (osscopy server in CI). Every test runs twice: once signed with V1 (ali-oss's
// default) and once with V4. Driven only by the OSS_TEST_* variables that
// helpers.readEnv lists; `npm test` runs it.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const aliOssVersion = require('ali-oss/package.json').version;
const {
  KiB,
  MIN_PART,
  readEnv,
  newClient,
  etagOf,
  multipartEtagOf,
  slices,
  rejectsWith,
  xmlField,
  sleep,
} = require('./helpers');

const env = readEnv();
// Every run writes under its own prefix, so runs against one server (or the
// two signing versions of one run) never see each other's objects.
const runId = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;

for (const version of ['V1', 'V4']) {
  describe(`ali-oss ${aliOssVersion} signing ${version}`, { timeout: 120000 }, () => {
    defineSuite(version);
  });
}

function defineSuite(version) {
  const client = newClient(env, version);
  const prefix = `alioss/${runId}/${version}/`;
  const presign = presigner(version, client);

  // put writes random bytes under a fresh key and returns both.
  async function put(name, size, options) {
    const key = prefix + name;
    const body = crypto.randomBytes(size);
    const res = await client.put(key, body, options);
    assert.equal(res.res.status, 200);
    return { key, body };
  }

  async function bytesOf(key) {
    const got = await client.get(key);
    return got.content;
  }

  it('put returns the MD5 ETag and get reads the same bytes back', async () => {
    const key = `${prefix}put-get.bin`;
    const body = crypto.randomBytes(10 * KiB + 7);
    const res = await client.put(key, body);
    assert.equal(res.res.status, 200);
    assert.equal(res.name, key);
    assert.equal(res.res.headers.etag, etagOf(body));

    const got = await client.get(key);
    assert.equal(got.res.status, 200);
    assert.deepEqual(got.content, body);
    assert.equal(got.res.headers.etag, etagOf(body));
    assert.equal(Number(got.res.headers['content-length']), body.length);
  });

  it('head returns size, ETag, content type and user metadata', async () => {
    const { key, body } = await put('head.txt', 3 * KiB, {
      mime: 'text/plain',
      meta: { color: 'blue', owner: 'osscopy' },
    });
    const head = await client.head(key);
    assert.equal(head.status, 200);
    assert.deepEqual(head.meta, { color: 'blue', owner: 'osscopy' });
    assert.equal(head.res.headers.etag, etagOf(body));
    assert.equal(Number(head.res.headers['content-length']), body.length);
    assert.equal(head.res.headers['content-type'], 'text/plain');
    assert.equal(head.res.headers['x-oss-object-type'], 'Normal');
  });

  it('getObjectMeta returns size and ETag', async () => {
    const { key, body } = await put('meta.bin', 2 * KiB);
    const meta = await client.getObjectMeta(key);
    assert.equal(meta.status, 200);
    assert.equal(meta.res.headers.etag, etagOf(body));
    assert.equal(Number(meta.res.headers['content-length']), body.length);
  });

  it('get with a Range header returns 206 and exactly that slice', async () => {
    const { key, body } = await put('range.bin', 4 * KiB);
    const got = await client.get(key, { headers: { Range: 'bytes=100-1123' } });
    assert.equal(got.res.status, 206);
    assert.deepEqual(got.content, body.subarray(100, 1124));
    assert.equal(got.res.headers['content-range'], `bytes 100-1123/${body.length}`);
  });

  it('head and get of a missing key fail with 404 NoSuchKey', async () => {
    await rejectsWith(client.head(`${prefix}missing`), { status: 404, code: 'NoSuchKey' });
    await rejectsWith(client.get(`${prefix}missing`), { status: 404, code: 'NoSuchKey' });
  });

  it('keys with spaces, plus, punctuation and non-ASCII round-trip', async () => {
    const names = ["a b+c=d&e.txt", "paren(1)!'*~.txt", 'ümlaut/文件 名.txt', 'semi;colon,at@dollar$.txt'];
    for (const name of names) {
      const { key, body } = await put(`special/${name}`, 512);
      assert.deepEqual(await bytesOf(key), body, key);
      assert.equal((await client.head(key)).res.headers.etag, etagOf(body), key);
    }
  });

  describe('listing', () => {
    const dir = `${prefix}list/`;
    const flat = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'];
    const nested = ['sub1/x.txt', 'sub1/y.txt', 'sub2/z.txt'];
    // The listed objects are written once, by whichever test runs first, and
    // inside a test so that a failing write fails that test, not the suite.
    let fixture;
    function listed() {
      fixture ??= (async () => {
        const written = new Map();
        for (const name of [...flat, ...nested]) {
          const body = crypto.randomBytes(100 + written.size);
          await client.put(dir + name, body);
          written.set(dir + name, body);
        }
        return written;
      })();
      return fixture;
    }

    it('list returns every key with its size and ETag, in order', async () => {
      const written = await listed();
      const res = await client.list({ prefix: dir, 'max-keys': 100 });
      const want = [...written.keys()].sort();
      assert.deepEqual(res.objects.map((o) => o.name), want);
      for (const o of res.objects) {
        assert.equal(o.size, written.get(o.name).length, o.name);
        assert.equal(o.etag, etagOf(written.get(o.name)), o.name);
      }
      assert.equal(res.isTruncated, false);
    });

    it('list with a delimiter returns common prefixes', async () => {
      await listed();
      const res = await client.list({ prefix: dir, delimiter: '/' });
      assert.deepEqual(res.objects.map((o) => o.name), flat.map((n) => dir + n));
      assert.deepEqual(res.prefixes, [`${dir}sub1/`, `${dir}sub2/`]);
    });

    it('list pages with max-keys and marker', async () => {
      const written = await listed();
      const seen = [];
      const query = { prefix: dir, 'max-keys': 3 };
      for (let page = 0; page < 10; page++) {
        const res = await client.list(query);
        assert.ok(res.objects.length <= 3);
        seen.push(...res.objects.map((o) => o.name));
        if (!res.isTruncated) break;
        assert.ok(res.nextMarker, 'a truncated page names its next marker');
        query.marker = res.nextMarker;
      }
      assert.deepEqual(seen, [...written.keys()].sort());
    });

    it('listV2 pages with max-keys and continuation token', async () => {
      const written = await listed();
      const seen = [];
      const query = { prefix: dir, 'max-keys': 3 };
      for (let page = 0; page < 10; page++) {
        const res = await client.listV2({ ...query });
        assert.equal(res.keyCount, res.objects.length);
        assert.ok(res.objects.length <= 3);
        seen.push(...res.objects.map((o) => o.name));
        if (!res.isTruncated) break;
        assert.ok(res.nextContinuationToken, 'a truncated page names its next token');
        query['continuation-token'] = res.nextContinuationToken;
      }
      assert.deepEqual(seen, [...written.keys()].sort());
    });

    it('listV2 with start-after and a delimiter', async () => {
      await listed();
      const res = await client.listV2({ prefix: dir, delimiter: '/', 'start-after': `${dir}c.txt` });
      assert.deepEqual(res.objects.map((o) => o.name), [`${dir}d.txt`, `${dir}e.txt`]);
      assert.deepEqual(res.prefixes, [`${dir}sub1/`, `${dir}sub2/`]);
    });

    it("list with a prefix holding !'()* characters", async () => {
      // ali-oss sends these raw in the query and signs them percent-encoded.
      const { key } = await put("list-odd/it's (really) *odd*!.txt", 64);
      const res = await client.list({ prefix: `${prefix}list-odd/it's (really)` });
      assert.deepEqual(res.objects.map((o) => o.name), [key]);
      const res2 = await client.listV2({ prefix: `${prefix}list-odd/it's (really)` });
      assert.deepEqual(res2.objects.map((o) => o.name), [key]);
    });
  });

  it('delete removes the object; deleting a missing key succeeds', async () => {
    const { key } = await put('delete.bin', 100);
    const res = await client.delete(key);
    assert.equal(res.res.status, 204);
    await rejectsWith(client.head(key), { status: 404, code: 'NoSuchKey' });
    const again = await client.delete(key);
    assert.equal(again.res.status, 204);
  });

  describe('deleteMulti', () => {
    const names = ['one.txt', 'two words.txt', 'amp&lt<gt>.txt', 'ü/plus+.txt'];

    async function putAll(dir) {
      const keys = [];
      for (const name of names) keys.push((await put(`${dir}/${name}`, 10)).key);
      const keep = (await put(`${dir}/keep.txt`, 10)).key;
      return { keys, keep };
    }

    async function assertGone(keys, keep) {
      for (const key of keys) await rejectsWith(client.head(key), { status: 404, code: 'NoSuchKey' });
      assert.equal((await client.head(keep)).status, 200);
    }

    it('verbose lists every deleted key', async () => {
      const { keys, keep } = await putAll('multi-verbose');
      const res = await client.deleteMulti(keys);
      assert.equal(res.res.status, 200);
      assert.deepEqual(res.deleted.map((d) => d.Key).sort(), [...keys].sort());
      await assertGone(keys, keep);
    });

    it('quiet deletes and lists nothing', async () => {
      const { keys, keep } = await putAll('multi-quiet');
      const res = await client.deleteMulti(keys, { quiet: true });
      assert.equal(res.res.status, 200);
      assert.deepEqual(res.deleted, []);
      await assertGone(keys, keep);
    });
  });

  describe('copy', () => {
    it('copy within the bucket keeps bytes, ETag and metadata', async () => {
      const { key, body } = await put('copy-src.txt', 5 * KiB, { mime: 'text/plain', meta: { tag: 'src' } });
      const dst = `${prefix}copy-dst.txt`;
      const res = await client.copy(dst, key);
      assert.equal(res.res.status, 200);
      assert.equal(res.data.etag, etagOf(body));
      assert.equal(res.res.headers.etag, etagOf(body));
      assert.deepEqual(await bytesOf(dst), body);
      const head = await client.head(dst);
      assert.deepEqual(head.meta, { tag: 'src' });
      assert.equal(head.res.headers['content-type'], 'text/plain');
    });

    it('copy with new metadata replaces it (x-oss-metadata-directive REPLACE)', async () => {
      const { key, body } = await put('copy-replace-src.bin', KiB, { meta: { tag: 'old', gone: 'yes' } });
      const dst = `${prefix}copy-replace-dst.bin`;
      await client.copy(dst, key, { meta: { tag: 'new' } });
      assert.deepEqual(await bytesOf(dst), body);
      assert.deepEqual((await client.head(dst)).meta, { tag: 'new' });
      assert.deepEqual((await client.head(key)).meta, { tag: 'old', gone: 'yes' });
    });

    it('putMeta changes an object\'s metadata in place', async () => {
      const { key, body } = await put('putmeta.bin', KiB, { meta: { v: '1' } });
      const res = await client.putMeta(key, { v: '2', extra: 'x' });
      assert.equal(res.res.status, 200);
      assert.deepEqual((await client.head(key)).meta, { v: '2', extra: 'x' });
      assert.deepEqual(await bytesOf(key), body);
    });

    it('copy of a key with a space and a plus', async () => {
      const { key, body } = await put('copy src/a b+c.bin', 2 * KiB);
      const dst = `${prefix}copy dst/a b+c.bin`;
      await client.copy(dst, key);
      assert.deepEqual(await bytesOf(dst), body);
    });

    it('copy from another bucket', async () => {
      const srcBucket = `alioss-src-${runId}-${version.toLowerCase()}`;
      const made = await client.putBucket(srcBucket);
      assert.equal(made.res.status, 200);
      const other = newClient(env, version);
      other.useBucket(srcBucket);
      const body = crypto.randomBytes(3 * KiB);
      await other.put('from-other.bin', body);

      const dst = `${prefix}from-other.bin`;
      const res = await client.copy(dst, 'from-other.bin', srcBucket);
      assert.equal(res.data.etag, etagOf(body));
      assert.deepEqual(await bytesOf(dst), body);

      await other.delete('from-other.bin');
      const gone = await client.deleteBucket(srcBucket);
      assert.equal(gone.res.status, 204);
    });

    it('copy of a missing source fails with 404 NoSuchKey', async () => {
      await rejectsWith(client.copy(`${prefix}copy-never`, `${prefix}no-such-source`), {
        status: 404,
        code: 'NoSuchKey',
      });
    });
  });

  describe('multipart', () => {
    it('multipartUpload in several parts: bytes, Multipart type and OSS multipart ETag', async () => {
      const key = `${prefix}mpu.bin`;
      const body = crypto.randomBytes(5 * MIN_PART + 1234);
      const progress = [];
      const res = await client.multipartUpload(key, body, {
        partSize: MIN_PART,
        parallel: 3,
        progress: (p) => progress.push(p),
      });
      assert.equal(res.res.status, 200);
      assert.equal(progress.at(-1), 1);
      const want = multipartEtagOf(slices(body, MIN_PART));
      assert.equal(res.etag, want, 'ETag header of CompleteMultipartUpload');

      const head = await client.head(key);
      assert.equal(head.res.headers.etag, want, 'ETag on HEAD');
      assert.equal(head.res.headers['x-oss-object-type'], 'Multipart');
      assert.equal(Number(head.res.headers['content-length']), body.length);
      assert.deepEqual(await bytesOf(key), body);
    });

    it('init, uploadPart, listParts, complete', async () => {
      const key = `${prefix}manual-mpu.bin`;
      const parts = [crypto.randomBytes(MIN_PART), crypto.randomBytes(MIN_PART), crypto.randomBytes(777)];
      const init = await client.initMultipartUpload(key);
      assert.ok(init.uploadId);

      const done = [];
      for (const [i, part] of parts.entries()) {
        const up = await client.uploadPart(key, init.uploadId, i + 1, part, 0, part.length);
        assert.equal(up.etag, etagOf(part), `part ${i + 1}`);
        done.push({ number: i + 1, etag: up.etag });
      }

      const listed = await client.listParts(key, init.uploadId);
      assert.deepEqual(
        listed.parts.map((p) => [Number(p.PartNumber), p.ETag, Number(p.Size)]),
        parts.map((p, i) => [i + 1, etagOf(p), p.length]),
      );

      const res = await client.completeMultipartUpload(key, init.uploadId, done);
      assert.equal(res.res.status, 200);
      assert.equal(res.etag, multipartEtagOf(parts), 'ETag header of CompleteMultipartUpload');
      assert.deepEqual(await bytesOf(key), Buffer.concat(parts));
    });

    it('abortMultipartUpload ends the upload: listParts gives 404 NoSuchUpload', async () => {
      const key = `${prefix}aborted.bin`;
      const init = await client.initMultipartUpload(key);
      await client.uploadPart(key, init.uploadId, 1, crypto.randomBytes(1000), 0, 1000);
      const res = await client.abortMultipartUpload(key, init.uploadId);
      assert.equal(res.res.status, 204);
      await rejectsWith(client.listParts(key, init.uploadId), { status: 404, code: 'NoSuchUpload' });
      await rejectsWith(client.head(key), { status: 404, code: 'NoSuchKey' });
    });

    it('uploadPartCopy of byte ranges, completed into the source bytes', async () => {
      const { key: srcKey, body } = await put('upc-src.bin', 2 * MIN_PART + 4321);
      const key = `${prefix}upc-dst.bin`;
      const source = { sourceKey: srcKey, sourceBucketName: env.bucket };
      const init = await client.initMultipartUpload(key);
      const parts = slices(body, MIN_PART);

      const done = [];
      for (const [i, part] of parts.entries()) {
        const first = i * MIN_PART;
        const range = `${first}-${first + part.length - 1}`;
        const res = await client.uploadPartCopy(key, init.uploadId, i + 1, range, source);
        assert.equal(res.res.status, 200);
        assert.equal(res.etag, etagOf(part), `ETag header of UploadPartCopy part ${i + 1}`);
        done.push({ number: i + 1, etag: res.etag });
      }

      const res = await client.completeMultipartUpload(key, init.uploadId, done);
      assert.equal(res.etag, multipartEtagOf(parts));
      assert.deepEqual(await bytesOf(key), body);
    });

    it('multipartUploadCopy of an object larger than several parts', async () => {
      const { key: srcKey, body } = await put('mpc-src.bin', 5 * MIN_PART + 99);
      const key = `${prefix}mpc-dst.bin`;
      const res = await client.multipartUploadCopy(
        key,
        { sourceKey: srcKey, sourceBucketName: env.bucket },
        { partSize: MIN_PART, parallel: 3 },
      );
      assert.equal(res.res.status, 200);
      const want = multipartEtagOf(slices(body, MIN_PART));
      assert.equal(res.etag, want);
      assert.equal((await client.head(key)).res.headers.etag, want);
      assert.deepEqual(await bytesOf(key), body);
    });
  });

  describe('signed URLs over plain HTTP', () => {
    it(`GET with a presigned URL (${presign.name})`, async () => {
      const { key, body } = await put('presigned-get.bin', 3 * KiB);
      const res = await fetch(await presign('GET', key));
      assert.equal(res.status, 200, await errorText(res));
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
      assert.equal(res.headers.get('etag'), etagOf(body));
    });

    it(`HEAD with a presigned URL (${presign.name})`, async () => {
      const { key, body } = await put('presigned-head.bin', 1500);
      const res = await fetch(await presign('HEAD', key), { method: 'HEAD' });
      // A HEAD answer carries its XML error base64-encoded in x-oss-err.
      assert.equal(res.status, 200, Buffer.from(res.headers.get('x-oss-err') || '', 'base64').toString());
      assert.equal(Number(res.headers.get('content-length')), body.length);
      assert.equal(res.headers.get('etag'), etagOf(body));
    });

    it(`PUT with a presigned URL (${presign.name})`, async () => {
      const key = `${prefix}presigned-put.bin`;
      const body = crypto.randomBytes(2 * KiB);
      const type = 'application/octet-stream';
      const url = await presign('PUT', key, { headers: { 'Content-Type': type } });
      const res = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': type } });
      assert.equal(res.status, 200, await errorText(res));
      assert.equal(res.headers.get('etag'), etagOf(body));
      assert.deepEqual(await bytesOf(key), body);
    });

    it(`an expired presigned URL is refused with 403 AccessDenied (${presign.name})`, async () => {
      const { key } = await put('presigned-expired.bin', 100);
      const url = await presign('GET', key, { expires: 2 });
      const fresh = await fetch(url);
      assert.equal(fresh.status, 200, `before it expires: ${await errorText(fresh)}`);
      await sleep(3100);
      const res = await fetch(url);
      const text = await res.text();
      assert.equal(res.status, 403, text);
      assert.equal(xmlField(text, 'Code'), 'AccessDenied', text);
    });

    it(`a presigned URL with a wrong signature is refused with 403 SignatureDoesNotMatch (${presign.name})`, async () => {
      const { key } = await put('presigned-forged.bin', 100);
      const url = new URL(await presign('GET', key));
      const genuine = await fetch(url);
      assert.equal(genuine.status, 200, `unforged: ${await errorText(genuine)}`);
      const param = version === 'V4' ? 'x-oss-signature' : 'Signature';
      const sig = url.searchParams.get(param);
      assert.ok(sig, `${param} in ${url}`);
      // '0' and '1' are digits of both V1's base64 and V4's hex signatures.
      url.searchParams.set(param, (sig[0] === '0' ? '1' : '0') + sig.slice(1));
      const res = await fetch(url);
      const text = await res.text();
      assert.equal(res.status, 403, text);
      assert.equal(xmlField(text, 'Code'), 'SignatureDoesNotMatch', text);
    });
  });

  describe('object ACL', () => {
    it('putACL then getACL', async () => {
      const { key } = await put('acl.bin', 10);
      assert.equal((await client.getACL(key)).acl, 'default');
      const res = await client.putACL(key, 'public-read');
      assert.equal(res.res.status, 200);
      assert.equal((await client.getACL(key)).acl, 'public-read');
    });

    it('put with x-oss-object-acl sets the ACL', async () => {
      const { key } = await put('acl-on-put.bin', 10, { headers: { 'x-oss-object-acl': 'private' } });
      assert.equal((await client.getACL(key)).acl, 'private');
    });
  });
}

// presigner returns the suite's way of signing a URL: signatureUrl (V1
// query-string authentication) or signatureUrlV4. The function's name says
// which in the test names.
function presigner(version, client) {
  if (version === 'V4') {
    return async function signatureUrlV4(method, key, { expires = 300, headers } = {}) {
      return client.signatureUrlV4(method, expires, headers ? { headers } : undefined, key);
    };
  }
  // signatureUrl refuses IP endpoints, so it signs against "localhost" on the
  // same port; the URL then goes to the endpoint's own host. A V1 signature
  // covers the method, headers, /bucket/key and sub-resources, never the host.
  const endpoint = new URL(env.endpoint);
  const named = new URL(env.endpoint);
  named.hostname = 'localhost';
  const signer = newClient(env, version, named.origin);
  return async function signatureUrl(method, key, { expires = 300, headers } = {}) {
    const url = new URL(signer.signatureUrl(key, { method, expires, ...headers }));
    url.host = endpoint.host;
    return url.href;
  };
}

// errorText is the body of a failed answer, for an assertion's message.
async function errorText(res) {
  return res.ok ? '' : res.clone().text();
}
