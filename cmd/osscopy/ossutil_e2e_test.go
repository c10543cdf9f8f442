package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestCpOssutilHabits: what an ossutil user types works as it does there:
// the short flags (-e -i -k -t -c -r -f -u -j), and a configuration file
// with ossutil 2's spellings of the keys; a profile whose mode osscopy
// cannot use yet is refused by name, before any request.
func TestCpOssutilHabits(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/p/a.bin=1MiB", "--seed-object", "oss://src/p/b.bin=3MiB")
	noSettings := r.Env("OSS_ACCESS_KEY_ID=", "OSS_ACCESS_KEY_SECRET=", "OSS_SESSION_TOKEN=", "OSS_REGION=", "OSS_ENDPOINT=")
	keys := []string{"p/a.bin", "p/b.bin"}
	config := func(body string) string {
		path := filepath.Join(t.TempDir(), "ossutilconfig")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	flags := e2e.Run(t, noSettings, "cp", "-rfu", "-j", "4", "-e", r.Endpoint, "--region", r.Region, "-i", r.KeyID, "-k", r.Secret, "-tTOKEN",
		"oss://src/p/", "oss://dst/flags/", "--checkpoint-dir", r.ckpt, "--no-progress")
	flags.RequireCode(0)
	r.RequireCopies(t, "src", "dst", e2e.PrefixPairs(keys, "p/", "flags/"))

	v2 := config("[default]\naccess-key-id = " + r.KeyID + "\naccess_key_secret = " + r.Secret + "\nRegion = " + r.Region + "\n")
	fromConfig := e2e.Run(t, noSettings, "cp", "-r", "-c", v2, "-e", r.Endpoint, "oss://src/p/", "oss://dst/config/",
		"--checkpoint-dir", r.ckpt, "--no-progress")
	fromConfig.RequireCode(0)
	r.RequireCopies(t, "src", "dst", e2e.PrefixPairs(keys, "p/", "config/"))

	role := config("[default]\nmode = EcsRamRole\necs-role-name = copier\nregion = " + r.Region + "\n")
	refused := e2e.Run(t, noSettings, "cp", "-c", role, "-e", r.Endpoint, "oss://src/p/a.bin", "oss://dst/role/a.bin",
		"--checkpoint-dir", r.ckpt, "--no-progress")
	refused.RequireCode(2)
	for _, want := range []string{`mode "EcsRamRole" is not supported`, role, "OSS_ACCESS_KEY_ID"} {
		if !strings.Contains(refused.Stderr(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, refused.Stderr())
		}
	}
}
