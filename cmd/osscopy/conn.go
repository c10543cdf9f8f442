package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// connFlags are the connection flags of every command that talks to OSS.
// Precedence: flags, then OSS_* environment variables, then the profile
// of ossutil's configuration file.
type connFlags struct {
	settings            ossclient.Settings
	configFile, profile string
}

// addConnFlags adds the connection flags, with ossutil's short names
// (-e, -i, -k, -t, -c) for the hands that type them.
func addConnFlags(cmd *cobra.Command, f *connFlags) {
	fl := cmd.Flags()
	fl.StringVarP(&f.settings.Endpoint, "endpoint", "e", "", "OSS endpoint, like oss-cn-hangzhou.aliyuncs.com (https unless http:// is given; env "+ossclient.EnvEndpoint+")")
	fl.StringVar(&f.settings.Region, "region", "", "region, like cn-hangzhou (env "+ossclient.EnvRegion+"; derived from an oss-REGION endpoint)")
	fl.StringVarP(&f.settings.AccessKeyID, "access-key-id", "i", "", "access key ID (env "+ossclient.EnvAccessKeyID+")")
	fl.StringVarP(&f.settings.AccessKeySecret, "access-key-secret", "k", "", "access key secret (env "+ossclient.EnvAccessKeySecret+"; the variable keeps it out of shell history)")
	fl.StringVarP(&f.settings.STSToken, "sts-token", "t", "", "security token of temporary credentials (env "+ossclient.EnvSessionToken+")")
	fl.StringVar(&f.settings.AddressingStyle, "addressing-style", "virtual", "path (bucket in the path) or virtual (bucket in the host name)")
	fl.StringVarP(&f.configFile, "config-file", "c", "", "ossutil configuration file (default ~/.ossutilconfig)")
	fl.StringVar(&f.profile, "profile", "", "profile (section) of the configuration file to use")
}

// client resolves the settings and makes an OSS client.
func (f *connFlags) client() (*ossclient.Client, error) {
	s, err := f.resolve()
	if err != nil {
		return nil, err
	}
	return ossclient.New(s), nil
}

// resolve reads the connection settings from flags, environment and the
// configuration file.
func (f *connFlags) resolve() (ossclient.Settings, error) {
	s, err := ossclient.Resolve(f.settings, f.configFile, f.profile, os.Getenv)
	if err != nil {
		return s, cli.Usage(err)
	}
	return s, nil
}
