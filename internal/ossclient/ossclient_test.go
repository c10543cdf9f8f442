package ossclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

const (
	bucket = "classify-bkt"
	key    = "src/object.bin"
)

// start runs a local server holding bucket/key (2 MiB) and returns a
// client for it.
func start(t *testing.T, cfg ossserver.Config) (*osstest.Env, *Client) {
	t.Helper()
	cfg.Buckets = append(cfg.Buckets, bucket)
	cfg.Seeds = append(cfg.Seeds, ossserver.Seed{Bucket: bucket, Key: key, Size: 2 << 20, Seed: 7})
	env := osstest.Start(t, cfg)
	return env, clientFor(env, osstest.AccessKeySecret)
}

func clientFor(env *osstest.Env, secret string) *Client {
	return New(Settings{Endpoint: env.Endpoint, Region: env.Region, AccessKeyID: osstest.AccessKeyID,
		AccessKeySecret: secret, AddressingStyle: "path"})
}

var (
	src = worker.Object{Bucket: bucket, Key: key}
	dst = worker.Object{Bucket: bucket, Key: "dst/object.bin"}
)

// TestClientRoundTrip checks what the Store methods return for a copy.
func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	env, c := start(t, ossserver.Config{})
	ctx := context.Background()
	if _, err := env.Client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("a b")}, {Key: oss.Ptr("env"), Value: oss.Ptr("prod")}}}}}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Head(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 2<<20 || info.ETag == "" || info.CRC64 == "" || info.TagCount != 2 || info.LastModified.IsZero() {
		t.Errorf("Head = %+v", info)
	}
	tags, err := c.GetTagging(ctx, src)
	if err != nil || tags != "env=prod&team=a+b" {
		t.Errorf("GetTagging = %q, %v; want env=prod&team=a+b", tags, err)
	}
	attrs := worker.Attributes{ContentType: "text/plain", Meta: map[string]string{"owner": "me"}, Tagging: tags}
	id, err := c.Initiate(ctx, dst, attrs)
	if err != nil {
		t.Fatal(err)
	}
	var parts []worker.PartETag
	for i, r := range [][2]int64{{0, 1<<20 - 1}, {1 << 20, 2<<20 - 1}} {
		etag, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: int32(i + 1),
			First: r[0], Last: r[1], IfMatch: info.ETag})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, worker.PartETag{Number: int32(i + 1), ETag: etag})
	}
	listed, err := c.ListParts(ctx, dst, id)
	if err != nil || len(listed) != 2 || listed[1].Size != 1<<20 || listed[1].ETag != parts[1].ETag {
		t.Fatalf("ListParts = %+v, %v", listed, err)
	}
	// Complete sorts the parts it is given.
	out, err := c.Complete(ctx, dst, id, []worker.PartETag{parts[1], parts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if out.CRC64 != info.CRC64 {
		t.Errorf("Complete CRC64 %s, source %s", out.CRC64, info.CRC64)
	}
	got, err := c.Head(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != out.ETag || got.CRC64 != info.CRC64 || got.Attributes.ContentType != "text/plain" ||
		got.Attributes.Meta["owner"] != "me" || got.TagCount != 2 {
		t.Errorf("destination = %+v (Complete ETag %s)", got, out.ETag)
	}
	if err := c.Abort(ctx, dst, id); !errors.Is(err, osserr.ErrNoSuchUpload) {
		t.Errorf("Abort of a completed upload = %v, want ErrNoSuchUpload", err)
	}
}

// writeConfig writes an ossutil config file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ossutilconfig")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestResolvePrecedence: each field comes from the first of flags,
// environment and config file that sets it, independently of the others.
func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	type field struct {
		name     string
		env      string
		ini      string
		set      func(*Settings, string)
		get      func(Settings) string
		value    func(source string) string
		defaults Settings // what the other required fields are, from flags
	}
	base := Settings{Endpoint: "http://127.0.0.1:1", Region: "test-region", AccessKeyID: "id-base", AccessKeySecret: "secret-base"}
	fields := []field{
		{"Endpoint", EnvEndpoint, "endpoint", func(s *Settings, v string) { s.Endpoint = v }, func(s Settings) string { return s.Endpoint },
			func(src string) string { return "http://" + src + ".example:9000" }, Settings{Region: base.Region, AccessKeyID: base.AccessKeyID, AccessKeySecret: base.AccessKeySecret}},
		{"Region", EnvRegion, "region", func(s *Settings, v string) { s.Region = v }, func(s Settings) string { return s.Region },
			func(src string) string { return src + "-region" }, Settings{Endpoint: base.Endpoint, AccessKeyID: base.AccessKeyID, AccessKeySecret: base.AccessKeySecret}},
		{"AccessKeyID", EnvAccessKeyID, "accessKeyID", func(s *Settings, v string) { s.AccessKeyID = v }, func(s Settings) string { return s.AccessKeyID },
			func(src string) string { return "id-" + src }, Settings{Endpoint: base.Endpoint, Region: base.Region, AccessKeySecret: base.AccessKeySecret}},
		{"AccessKeySecret", EnvAccessKeySecret, "accessKeySecret", func(s *Settings, v string) { s.AccessKeySecret = v }, func(s Settings) string { return s.AccessKeySecret },
			func(src string) string { return "secret-" + src }, Settings{Endpoint: base.Endpoint, Region: base.Region, AccessKeyID: base.AccessKeyID}},
		{"STSToken", EnvSessionToken, "stsToken", func(s *Settings, v string) { s.STSToken = v }, func(s Settings) string { return s.STSToken },
			func(src string) string { return "token-" + src }, base},
	}
	sources := []string{"flag", "env", "file"}
	for _, f := range fields {
		for mask := 1; mask < 8; mask++ {
			var in []string
			for i, s := range sources {
				if mask&(1<<i) != 0 {
					in = append(in, s)
				}
			}
			t.Run(f.name+"/"+strings.Join(in, "+"), func(t *testing.T) {
				t.Parallel()
				flags, env, ini := f.defaults, map[string]string{}, "[default]\n"
				for _, s := range in {
					switch s {
					case "flag":
						f.set(&flags, f.value(s))
					case "env":
						env[f.env] = f.value(s)
					case "file":
						ini += f.ini + " = " + f.value(s) + "\n"
					}
				}
				got, err := Resolve(flags, writeConfig(t, ini), "", envOf(env))
				if err != nil {
					t.Fatal(err)
				}
				if want := f.value(in[0]); f.get(got) != want {
					t.Errorf("%s = %q, want %q (from %s)", f.name, f.get(got), want, in[0])
				}
			})
		}
	}
}

// TestResolve covers profiles, derivations and the errors.
func TestResolve(t *testing.T) {
	t.Parallel()
	const keys = "accessKeyID = id-file\naccessKeySecret = secret-file\n"
	tests := []struct {
		name    string
		flags   Settings
		env     map[string]string
		config  string // "" for an empty file; "-" for a file that does not exist
		profile string
		want    Settings
		wantErr []string
	}{
		{name: "[profile dev] wins over [dev] and [default]",
			config: "[default]\nregion = cn-default\n" + keys + "[dev]\nregion = cn-plain\n" + keys +
				"[profile dev]\nregion = cn-profile\naccessKeyID = id-dev\naccessKeySecret = secret-dev\n",
			profile: "dev",
			want: Settings{Endpoint: "https://oss-cn-profile.aliyuncs.com", Region: "cn-profile", AccessKeyID: "id-dev",
				AccessKeySecret: "secret-dev", AddressingStyle: "virtual"}},
		{name: "[dev] without [profile dev]", config: "[default]\nregion = cn-default\n" + keys + "[dev]\nregion = cn-plain\n" + keys,
			profile: "dev",
			want: Settings{Endpoint: "https://oss-cn-plain.aliyuncs.com", Region: "cn-plain", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "profile name is case-insensitive", config: "[Profile Dev]\nregion = cn-profile\n" + keys, profile: "DEV",
			want: Settings{Endpoint: "https://oss-cn-profile.aliyuncs.com", Region: "cn-profile", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "[default] wins over [Credentials]",
			config: "[Credentials]\nendpoint = oss-cn-qingdao.aliyuncs.com\n" + keys + "[default]\nregion = cn-default\naccessKeyID = id-d\naccessKeySecret = s-d\n",
			want: Settings{Endpoint: "https://oss-cn-default.aliyuncs.com", Region: "cn-default", AccessKeyID: "id-d",
				AccessKeySecret: "s-d", AddressingStyle: "virtual"}},
		{name: "ossutil v1 [Credentials]",
			config: "[Credentials]\nlanguage = EN\nendpoint = oss-cn-qingdao.aliyuncs.com\naccessKeyID = id-v1\naccessKeySecret = secret-v1\nstsToken = tok-v1\n",
			want: Settings{Endpoint: "https://oss-cn-qingdao.aliyuncs.com", Region: "cn-qingdao", AccessKeyID: "id-v1",
				AccessKeySecret: "secret-v1", STSToken: "tok-v1", AddressingStyle: "virtual"}},
		{name: "keys are case-insensitive and trimmed",
			config: "[DEFAULT]\nENDPOINT = http://127.0.0.1:9000\nRegion=  cn-x  \nACCESSKEYID = id-up\nAccessKeySecret = secret-up\nSTSTOKEN = tok-up\n",
			want: Settings{Endpoint: "http://127.0.0.1:9000", Region: "cn-x", AccessKeyID: "id-up", AccessKeySecret: "secret-up",
				STSToken: "tok-up", AddressingStyle: "virtual"}},
		{name: "ossutil 2 spellings",
			config: "[default]\naccess-key-id = id-2\naccess_key_secret = secret-2\nsts-token = tok-2\nRegion = cn-2\n",
			want: Settings{Endpoint: "https://oss-cn-2.aliyuncs.com", Region: "cn-2", AccessKeyID: "id-2", AccessKeySecret: "secret-2",
				STSToken: "tok-2", AddressingStyle: "virtual"}},
		{name: "ossutil 1 aliases",
			config: "[Credentials]\naccess_id = id-1\naccess_key = secret-1\nhost = oss-cn-qingdao.aliyuncs.com\n",
			want: Settings{Endpoint: "https://oss-cn-qingdao.aliyuncs.com", Region: "cn-qingdao", AccessKeyID: "id-1",
				AccessKeySecret: "secret-1", AddressingStyle: "virtual"}},
		{name: "mode AK", config: "[default]\nmode = AK\nregion = r\n" + keys,
			want: Settings{Endpoint: "https://oss-r.aliyuncs.com", Region: "r", AccessKeyID: "id-file", AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "mode StsToken", config: "[default]\nmode = stsToken\nregion = r\nsts_token = tok\n" + keys,
			want: Settings{Endpoint: "https://oss-r.aliyuncs.com", Region: "r", AccessKeyID: "id-file", AccessKeySecret: "secret-file",
				STSToken: "tok", AddressingStyle: "virtual"}},
		{name: "mode EcsRamRole is named", config: "[default]\nmode = EcsRamRole\necsRoleName = role\nregion = r\n",
			wantErr: []string{`mode "EcsRamRole" is not supported`, "[default]", EnvAccessKeyID, EnvAccessKeySecret}},
		{name: "mode RamRoleArn is named, though the profile has keys", config: "[profile dev]\nmode = RamRoleArn\nregion = r\n" + keys, profile: "dev",
			wantErr: []string{`mode "RamRoleArn" is not supported`, "[profile dev]"}},
		{name: "mode RamRoleArn with keys in the environment", config: "[default]\nmode = RamRoleArn\nregion = r\n",
			env:  map[string]string{EnvAccessKeyID: "i", EnvAccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-r.aliyuncs.com", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "missing named config file", config: "-", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"reading config file", "no such file"}},
		{name: "invalid INI", config: "[default\nregion = x\n", wantErr: []string{"not valid INI"}},
		{name: "missing profile", config: "[default]\n" + keys, profile: "prod",
			wantErr: []string{`no profile "prod"`, "[prod]", "[profile prod]"}},
		{name: "no profile and no default section is no error",
			config: "[other]\nregion = x\n", flags: Settings{Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from a public endpoint", flags: Settings{Endpoint: "oss-cn-hangzhou.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an -internal endpoint", flags: Settings{Endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou-internal.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an http -internal endpoint, scheme kept",
			env: map[string]string{EnvEndpoint: "http://oss-ap-southeast-1-internal.aliyuncs.com", EnvAccessKeyID: "i", EnvAccessKeySecret: "s"},
			want: Settings{Endpoint: "http://oss-ap-southeast-1-internal.aliyuncs.com", Region: "ap-southeast-1", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an https endpoint", flags: Settings{Endpoint: "https://oss-cn-shenzhen.aliyuncs.com/", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-shenzhen.aliyuncs.com/", Region: "cn-shenzhen", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "a given region is not overridden by the endpoint's",
			flags: Settings{Endpoint: "oss-cn-hangzhou.aliyuncs.com", Region: "cn-shanghai", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-shanghai", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "endpoint from the region", env: map[string]string{EnvRegion: "cn-beijing", EnvAccessKeyID: "i", EnvAccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-beijing.aliyuncs.com", Region: "cn-beijing", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "https added to a custom endpoint", flags: Settings{Endpoint: "oss.example.com:8443", Region: "r", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss.example.com:8443", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "http:// kept", flags: Settings{Endpoint: "http://127.0.0.1:9000", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "path"},
			want: Settings{Endpoint: "http://127.0.0.1:9000", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "path"}},
		{name: "an acceleration endpoint names no region", flags: Settings{Endpoint: "oss-accelerate.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region"}},
		{name: "an overseas acceleration endpoint names no region", flags: Settings{Endpoint: "https://oss-accelerate-overseas.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region"}},
		{name: "an acceleration endpoint with a region", flags: Settings{Endpoint: "oss-accelerate.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-accelerate.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "an explicit empty [default] does not hide [Credentials]",
			config: "[default]\n[Credentials]\nendpoint = oss-cn-qingdao.aliyuncs.com\n" + keys,
			want: Settings{Endpoint: "https://oss-cn-qingdao.aliyuncs.com", Region: "cn-qingdao", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "[DEFAULT] in capitals", config: "[DEFAULT]\nregion = cn-caps\n" + keys,
			want: Settings{Endpoint: "https://oss-cn-caps.aliyuncs.com", Region: "cn-caps", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "custom endpoint without region", flags: Settings{Endpoint: "http://127.0.0.1:9000", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region", "--region", EnvRegion, "config file"}},
		{name: "invalid addressing style", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "vhost"},
			wantErr: []string{"--addressing-style", "path or virtual", `"vhost"`}},
		{name: "addressing style is case-sensitive", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "Path"},
			wantErr: []string{"--addressing-style"}},
		{name: "no keys at all", flags: Settings{Region: "r"},
			wantErr: []string{"no access key", "--access-key-id", "--access-key-secret", EnvAccessKeyID, EnvAccessKeySecret, "accessKeyID", "accessKeySecret", "config file"}},
		{name: "a secret without an ID", flags: Settings{Region: "r"}, env: map[string]string{EnvAccessKeySecret: "s"},
			wantErr: []string{"no access key"}},
		{name: "an ID without a secret", flags: Settings{Region: "r"}, config: "[default]\naccessKeyID = i\n",
			wantErr: []string{"no access key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, tt.config)
			if tt.config == "-" {
				path = filepath.Join(t.TempDir(), "missing")
			}
			got, err := Resolve(tt.flags, path, tt.profile, envOf(tt.env))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s token=%q secret=%q\nwant %s token=%q secret=%q", got, got.STSToken, got.AccessKeySecret,
					tt.want, tt.want.STSToken, tt.want.AccessKeySecret)
			}
		})
	}
}

// TestConfigKeySpellings: each setting is read under every spelling
// ossutil 1 or 2 reads it by.
func TestConfigKeySpellings(t *testing.T) {
	t.Parallel()
	given := Settings{Endpoint: "http://127.0.0.1:1", Region: "r", AccessKeyID: "i", AccessKeySecret: "s"}
	for _, tc := range []struct {
		spellings []string
		prefix    string // of the value: an endpoint is a URL
		clear     func(*Settings)
		get       func(Settings) string
	}{
		{[]string{"endpoint", "Endpoint", "host"}, "http://", func(s *Settings) { s.Endpoint = "" }, func(s Settings) string { return s.Endpoint }},
		{[]string{"region", "Region", "REGION"}, "", func(s *Settings) { s.Region = "" }, func(s Settings) string { return s.Region }},
		{[]string{"accessKeyID", "accessKeyId", "AccessKeyId", "accesskeyid", "access-key-id", "access_key_id", "access_id", "accessid", "access-id"},
			"", func(s *Settings) { s.AccessKeyID = "" }, func(s Settings) string { return s.AccessKeyID }},
		{[]string{"accessKeySecret", "AccessKeySecret", "accesskeysecret", "access-key-secret", "access_key_secret", "access_key", "accesskey", "access-key"},
			"", func(s *Settings) { s.AccessKeySecret = "" }, func(s Settings) string { return s.AccessKeySecret }},
		{[]string{"stsToken", "STSToken", "ststoken", "sts-token", "sts_token"}, "", func(*Settings) {}, func(s Settings) string { return s.STSToken }},
	} {
		for _, k := range tc.spellings {
			flags := given
			tc.clear(&flags)
			want := tc.prefix + "v-" + strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(k))
			got, err := Resolve(flags, writeConfig(t, "[default]\n"+k+" = "+want+"\n"), "", envOf(nil))
			if err != nil || tc.get(got) != want {
				t.Errorf("%s = %s: got %q, %v", k, want, tc.get(got), err)
			}
		}
	}
}

// TestResolveDefaultConfigFile reads ~/.ossutilconfig when no file is named
// (not parallel: it sets HOME).
func TestResolveDefaultConfigFile(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	flags := Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s"}
	if _, err := Resolve(flags, "", "", envOf(nil)); err != nil {
		t.Errorf("a missing default config file: %v", err)
	}
	if _, err := Resolve(flags, "", "dev", envOf(nil)); err == nil || !strings.Contains(err.Error(), "--config-file") {
		t.Errorf("a --profile without any config file: %v, want an error naming --config-file", err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ossutilconfig"), []byte("[default]\nregion = cn-home\naccessKeyID = id-home\naccessKeySecret = s-home\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(Settings{}, "", "", envOf(nil))
	if err != nil || got.Region != "cn-home" || got.AccessKeyID != "id-home" || got.AccessKeySecret != "s-home" {
		t.Errorf("from ~/.ossutilconfig: %s, %v", got, err)
	}
}

// TestSettingsNeverPrintSecrets formats Settings every common way.
func TestSettingsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	s := Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "LTAIvisibleid",
		AccessKeySecret: "SUPER-SECRET-VALUE", STSToken: "STS-TOKEN-VALUE", AddressingStyle: "virtual"}
	type holder struct{ S Settings }
	outputs := map[string]string{
		"String()":     s.String(),
		"GoString()":   s.GoString(),
		"Sprint":       fmt.Sprint(s),
		"Sprintln":     fmt.Sprintln(s),
		"%v":           fmt.Sprintf("%v", s),
		"%+v":          fmt.Sprintf("%+v", s),
		"%#v":          fmt.Sprintf("%#v", s),
		"%s":           fmt.Sprintf("%s", s),
		"%q":           fmt.Sprintf("%q", s),
		"%v pointer":   fmt.Sprintf("%v", &s),
		"%+v pointer":  fmt.Sprintf("%+v", &s),
		"%+v in field": fmt.Sprintf("%+v", holder{s}),
		"%#v in field": fmt.Sprintf("%#v", holder{s}),
		"%v in slice":  fmt.Sprintf("%v", []Settings{s}),
		"%v in map":    fmt.Sprintf("%v", map[string]Settings{"p": s}),
		"%w in error":  fmt.Errorf("connecting with %v: %w", s, errors.New("x")).Error(),
		"%d":           fmt.Sprintf("%d", s),
		"%x":           fmt.Sprintf("%x", s),
		"json":         mustJSON(t, s),
		"json field":   mustJSON(t, holder{s}),
	}
	for name, out := range outputs {
		if strings.Contains(out, s.AccessKeySecret) || strings.Contains(out, s.STSToken) {
			t.Errorf("%s shows a secret: %s", name, out)
		}
		if !strings.Contains(out, s.AccessKeyID) || !strings.Contains(out, s.Endpoint) {
			t.Errorf("%s lost the useful fields: %s", name, out)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
