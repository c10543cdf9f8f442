package ossclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/ini.v1"

	"github.com/osscopy/osscopy/internal/localfile"
	"github.com/osscopy/osscopy/internal/ossurl"
)

// Settings are what a connection to OSS needs.
type Settings struct {
	Endpoint        string
	Region          string
	AccessKeyID     string
	AccessKeySecret string
	STSToken        string
	AddressingStyle string // "virtual" (default) or "path"
}

// String never shows the secret or the token, wherever Settings is printed.
func (s Settings) String() string {
	return fmt.Sprintf("endpoint=%s region=%s access-key-id=%s addressing-style=%s", s.Endpoint, s.Region, s.AccessKeyID, s.AddressingStyle)
}

// GoString keeps %#v from printing secrets too.
func (s Settings) GoString() string { return s.String() }

// Format covers every other verb (%d, %x, ...), which would print fields.
func (s Settings) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// MarshalJSON keeps secrets out of JSON.
func (s Settings) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Environment variables read, as ossutil and the SDK name them.
const (
	EnvAccessKeyID     = "OSS_ACCESS_KEY_ID"
	EnvAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	EnvSessionToken    = "OSS_SESSION_TOKEN"
	EnvRegion          = "OSS_REGION"
	EnvEndpoint        = "OSS_ENDPOINT"
)

// Resolve fills settings with this precedence: flags, then environment,
// then the profile of ossutil's configuration file (configFile, default
// ~/.ossutilconfig; profile, default the [default] or [Credentials]
// section). Each field is taken from the first source that sets it.
func Resolve(flags Settings, configFile, profile string, getenv func(string) string) (Settings, error) {
	env := Settings{Endpoint: getenv(EnvEndpoint), Region: getenv(EnvRegion), AccessKeyID: getenv(EnvAccessKeyID),
		AccessKeySecret: getenv(EnvAccessKeySecret), STSToken: getenv(EnvSessionToken)}
	keysGiven := first(flags.AccessKeyID, env.AccessKeyID) != "" && first(flags.AccessKeySecret, env.AccessKeySecret) != ""
	file, err := readConfigFile(configFile, profile, keysGiven)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{
		Endpoint:        first(flags.Endpoint, env.Endpoint, file.Endpoint),
		Region:          first(flags.Region, env.Region, file.Region),
		AccessKeyID:     first(flags.AccessKeyID, env.AccessKeyID, file.AccessKeyID),
		AccessKeySecret: first(flags.AccessKeySecret, env.AccessKeySecret, file.AccessKeySecret),
		STSToken:        first(flags.STSToken, env.STSToken, file.STSToken),
		AddressingStyle: first(flags.AddressingStyle, "virtual"),
	}
	return s.complete()
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

var endpointRegion = regexp.MustCompile(`^(?:https?://)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com/?$`)

// complete checks the settings and derives what can be derived: the region
// from an OSS endpoint, the endpoint from the region, https when no scheme.
func (s Settings) complete() (Settings, error) {
	if s.AddressingStyle != "virtual" && s.AddressingStyle != "path" {
		return s, fmt.Errorf("--addressing-style must be path or virtual, not %q", s.AddressingStyle)
	}
	if s.Region == "" {
		// Acceleration endpoints (oss-accelerate[-overseas]) name no region.
		if m := endpointRegion.FindStringSubmatch(s.Endpoint); m != nil && !strings.HasPrefix(m[1], "accelerate") {
			s.Region = m[1]
		}
	}
	if s.Region == "" {
		return s, errors.New("no region: give --region, set " + EnvRegion + ", or set region in the config file (like cn-hangzhou)")
	}
	if s.Endpoint == "" {
		s.Endpoint = "oss-" + s.Region + ".aliyuncs.com"
	}
	if !strings.Contains(s.Endpoint, "://") {
		s.Endpoint = "https://" + s.Endpoint
	}
	if s.AccessKeyID == "" || s.AccessKeySecret == "" {
		return s, errors.New("no access key: give --access-key-id and --access-key-secret, set " + EnvAccessKeyID + " and " +
			EnvAccessKeySecret + ", or set accessKeyID and accessKeySecret in the config file")
	}
	return s, s.check()
}

var regionName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// check refuses settings that no request could be sent with (an
// endpoint that is not an http(s) address, control characters in what
// goes into headers), which would otherwise fail each attempt as a network
// error and be retried for minutes. Secrets are never quoted.
func (s Settings) check() error {
	if !regionName.MatchString(s.Region) {
		return fmt.Errorf("region %q is not a region name like cn-hangzhou", s.Region)
	}
	u, err := url.Parse(s.Endpoint)
	if err == nil && u.User != nil {
		return errors.New("the endpoint holds a user name or password: give the keys with --access-key-id and --access-key-secret instead")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("endpoint %q is not an address like oss-cn-hangzhou.aliyuncs.com, https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000", s.Endpoint)
	}
	// The secret goes into no header, but with a line break pasted in it
	// would sign every request wrongly.
	for _, f := range []struct{ name, value string }{{"access key ID", s.AccessKeyID}, {"access key secret", s.AccessKeySecret},
		{"security token", s.STSToken}} {
		if strings.ContainsFunc(f.value, ossurl.IsControl) {
			return fmt.Errorf("the %s contains a control character (a line break?): check where it comes from", f.name)
		}
	}
	return nil
}

// maxConfigFile bounds the configuration file read: ossutil's is a few
// hundred bytes; a path to a FIFO or a device (but os.DevNull, which
// names none) is refused (localfile).
const maxConfigFile = 1 << 20

// readConfigFile reads a profile of ossutil's INI configuration file. A
// missing default file is no error; a missing file named by --config-file is.
// A profile whose mode gets the keys some way osscopy cannot yet (a RAM
// role, an ECS instance's role) is refused, rather than fail later with
// "no access key", unless keysGiven (by flags or the environment) makes
// its mode moot.
func readConfigFile(path, profile string, keysGiven bool) (Settings, error) {
	named := path != ""
	if !named {
		home, err := os.UserHomeDir()
		if err != nil {
			return Settings{}, nil
		}
		path = filepath.Join(home, ".ossutilconfig")
	}
	if path == os.DevNull { // the usual way to ignore ~/.ossutilconfig
		return Settings{}, nil
	}
	data, err := localfile.ReadFile(path, maxConfigFile)
	if errors.Is(err, fs.ErrNotExist) && !named {
		if profile != "" {
			return Settings{}, fmt.Errorf("--profile %s: there is no config file %s (give --config-file)", profile, path)
		}
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading config file: %w; give --config-file an ossutil configuration file", err)
	}
	f, err := ini.LoadSources(ini.LoadOptions{Insensitive: true, AllowBooleanKeys: true}, data)
	if err != nil {
		// The parser's message quotes the offending line, which may hold a secret.
		return Settings{}, fmt.Errorf("config file %s is not valid INI: check its syntax (sections like [default], lines like accessKeyID = ...)", path)
	}
	sec := findSection(f, profile)
	if sec == nil {
		if profile != "" {
			return Settings{}, fmt.Errorf("config file %s has no profile %q (sections [%s] or [profile %s])", path, profile, profile, profile)
		}
		return Settings{}, nil
	}
	s, mode := sectionSettings(sec)
	if !keysGiven && mode != "" && !strings.EqualFold(mode, "AK") && !strings.EqualFold(mode, "StsToken") {
		return Settings{}, fmt.Errorf("config file %s, [%s]: mode %q is not supported by osscopy yet, only AK and StsToken: set %s and %s (and %s for temporary keys) instead",
			path, sec.Name(), mode, EnvAccessKeyID, EnvAccessKeySecret, EnvSessionToken)
	}
	return s, nil
}

// sectionSettings reads the settings and ossutil's credential mode from a
// section, under any spelling ossutil reads: ossutil 2 takes accessKeyId,
// access-key-id and access_key_id alike (any case, words joined or split
// by "-" or "_"); access_id, access_key (the secret!) and host are
// ossutil 1's aliases.
func sectionSettings(sec *ini.Section) (s Settings, mode string) {
	for _, k := range sec.Keys() {
		v := strings.TrimSpace(k.String())
		switch strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(k.Name())) {
		case "endpoint", "host":
			s.Endpoint = v
		case "region":
			s.Region = v
		case "accesskeyid", "accessid":
			s.AccessKeyID = v
		case "accesskeysecret", "accesskey":
			s.AccessKeySecret = v
		case "ststoken":
			s.STSToken = v
		case "mode":
			mode = v
		}
	}
	return s, mode
}

func findSection(f *ini.File, profile string) *ini.Section {
	names := []string{"default", "credentials"}
	if profile != "" {
		names = []string{"profile " + strings.ToLower(profile), strings.ToLower(profile)}
	}
	// Not f.GetSection: ini always holds an empty default section, which
	// would hide [Credentials], and keeps an explicit [DEFAULT] apart from it.
	for _, n := range names {
		for _, sec := range f.Sections() {
			if strings.EqualFold(sec.Name(), n) && len(sec.Keys()) > 0 {
				return sec
			}
		}
	}
	return nil
}
