package ossapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// The values of --output-format.
const (
	FormatRaw  = "raw"
	FormatJSON = "json"
	FormatYAML = "yaml"
)

// CheckFormat says whether f is an --output-format osscopy writes.
func CheckFormat(f string) error {
	switch f {
	case FormatRaw, FormatJSON, FormatYAML:
		return nil
	}
	return fmt.Errorf("--output-format %s is not a format: write raw (the default: XML as OSS sends it, or header lines), json or yaml", quote(f))
}

// Write renders v to w in format. Raw is the XML document OSS returns,
// indented; results that OSS returns as headers (HeadObjectResult) and
// errors are "Name: value" lines.
func Write(w io.Writer, format string, v any) error {
	var out []byte
	var err error
	switch format {
	case FormatJSON:
		// Keys may hold & < >, which the default escaping would hide.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err, out = enc.Encode(v), b.Bytes()
	case FormatYAML:
		out, err = yaml.Marshal(v)
	default:
		out, err = raw(v)
	}
	if err != nil {
		return fmt.Errorf("rendering the result as %s: %w", format, err)
	}
	_, err = w.Write(out)
	return err
}

func raw(v any) ([]byte, error) {
	switch v := v.(type) {
	case HeadObjectResult:
		var b bytes.Buffer
		for _, k := range slices.Sorted(maps.Keys(v)) {
			fmt.Fprintf(&b, "%s: %s\n", k, v[k])
		}
		return b.Bytes(), nil
	case ErrorResult:
		var b bytes.Buffer
		fmt.Fprintf(&b, "StatusCode: %d\nCode: %s\nMessage: %s\nRequestId: %s\n", v.StatusCode, v.Code, v.Message, v.RequestId)
		if v.EC != "" {
			fmt.Fprintf(&b, "EC: %s\n", v.EC)
		}
		if v.Hint != "" {
			fmt.Fprintf(&b, "Hint: %s\n", v.Hint)
		}
		return b.Bytes(), nil
	}
	out, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	// Go escapes quotes in text, which XML does not need: OSS writes ETags
	// as <ETag>"..."</ETag>, and so does raw output. No result has
	// attributes, where the escape would matter.
	out = bytes.ReplaceAll(bytes.ReplaceAll(out, []byte("&#34;"), []byte(`"`)), []byte("&#39;"), []byte("'"))
	return append(append([]byte(xml.Header), out...), '\n'), nil
}
