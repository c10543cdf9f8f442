package ossapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CompletePart is a part to assemble: its number and the ETag its upload
// returned.
type CompletePart struct {
	PartNumber int32  `xml:"PartNumber" json:"PartNumber"`
	ETag       string `xml:"ETag" json:"ETag"`
}

// completeDoc is the CompleteMultipartUpload body, in XML or in JSON
// (ossutil's spelling: {"Part": [{"PartNumber": 1, "ETag": "..."}]}).
type completeDoc struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload" json:"-"`
	Part    []CompletePart `xml:"Part" json:"Part"`
}

// ParseCompleteParts reads the parts to assemble from XML or JSON, as
// ossutil's --complete-multipart-upload takes them. The JSON form accepts
// (and ignores) the other fields list-parts prints, so its JSON output
// can be fed back.
func ParseCompleteParts(flag string, data []byte) ([]CompletePart, error) {
	const forms = `give <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"..."</ETag></Part>...` +
		`</CompleteMultipartUpload> or {"Part": [{"PartNumber": 1, "ETag": "..."}]}`
	var doc completeDoc
	var err error
	switch trimmed := bytes.TrimSpace(data); {
	case bytes.HasPrefix(trimmed, []byte("<")):
		err = decodeXML(trimmed, &doc)
	case bytes.HasPrefix(trimmed, []byte("{")):
		err = decodeJSON(trimmed, &doc)
	default:
		return nil, fmt.Errorf("%s is neither XML nor JSON: %s", flag, forms)
	}
	if err != nil {
		return nil, fmt.Errorf("%s does not parse (%v): %s", flag, err, forms)
	}
	if len(doc.Part) == 0 {
		return nil, fmt.Errorf("%s lists no parts: %s (or use --complete-all yes to assemble every part the upload holds)", flag, forms)
	}
	for i, p := range doc.Part {
		switch {
		case p.PartNumber < 1 || p.PartNumber > MaxPartNumber:
			return nil, fmt.Errorf("%s: part %d (entry %d) is outside 1..%d", flag, p.PartNumber, i+1, MaxPartNumber)
		case strings.TrimSpace(p.ETag) == "":
			return nil, fmt.Errorf("%s: part %d has no ETag; list-parts prints each part's ETag", flag, p.PartNumber)
		case i > 0 && p.PartNumber <= doc.Part[i-1].PartNumber:
			return nil, fmt.Errorf("%s: part %d follows part %d; OSS needs the parts in ascending order, each once",
				flag, p.PartNumber, doc.Part[i-1].PartNumber)
		}
	}
	return doc.Part, nil
}

var errTrailing = errors.New("there is more after the document")

// decodeJSON decodes one document and refuses anything after it.
func decodeJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

// decodeXML decodes one document and refuses anything after it but
// white space, comments and processing instructions.
func decodeXML(data []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(v); err != nil {
		return err
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
		}
		return errTrailing
	}
}
