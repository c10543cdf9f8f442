package compat

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// Exclusions maps each test left out of a client's subset to why: the OSS
// API it needs that the server does not implement, or the environment it
// needs (a second real account, STS, KMS, the public internet).
type Exclusions map[string]string

// LoadExclusions reads an exclusion list file (see ParseExclusions).
func LoadExclusions(path string) (Exclusions, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	ex, err := ParseExclusions(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

// ParseExclusions reads an exclusion list: one test per line, its name,
// white space, and the reason, which may not be empty. Blank lines and
// lines starting with # are comments. A test listed twice is an error.
func ParseExclusions(r io.Reader) (Exclusions, error) {
	ex := Exclusions{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason := line, ""
		if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 {
			name, reason = line[:i], strings.TrimSpace(line[i:])
		}
		switch {
		case reason == "":
			return nil, fmt.Errorf("line %d: %q has no reason", n, name)
		case ex[name] != "":
			return nil, fmt.Errorf("line %d: %q is listed twice", n, name)
		}
		ex[name] = reason
	}
	return ex, sc.Err()
}
