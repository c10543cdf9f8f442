package ossapi

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"time"
)

// The results the api commands print. Field names are OSS's XML element
// names, in every format, so that output reads like the API reference;
// fields that OSS returns in headers (version ids, CRC64) are added to the
// result of the operation that returns them.

// UploadPartCopyResult is what UploadPartCopy returns.
type UploadPartCopyResult struct {
	XMLName             xml.Name `xml:"CopyPartResult" json:"-" yaml:"-"`
	LastModified        string   `xml:"LastModified" json:"LastModified" yaml:"LastModified"`
	ETag                string   `xml:"ETag" json:"ETag" yaml:"ETag"`
	CopySourceVersionId string   `xml:"CopySourceVersionId,omitempty" json:"CopySourceVersionId,omitempty" yaml:"CopySourceVersionId,omitempty"`
}

// CopyObjectResult is what CopyObject returns.
type CopyObjectResult struct {
	XMLName             xml.Name `xml:"CopyObjectResult" json:"-" yaml:"-"`
	LastModified        string   `xml:"LastModified" json:"LastModified" yaml:"LastModified"`
	ETag                string   `xml:"ETag" json:"ETag" yaml:"ETag"`
	VersionId           string   `xml:"VersionId,omitempty" json:"VersionId,omitempty" yaml:"VersionId,omitempty"`
	CopySourceVersionId string   `xml:"CopySourceVersionId,omitempty" json:"CopySourceVersionId,omitempty" yaml:"CopySourceVersionId,omitempty"`
	HashCrc64ecma       string   `xml:"HashCrc64ecma,omitempty" json:"HashCrc64ecma,omitempty" yaml:"HashCrc64ecma,omitempty"`
}

// InitiateMultipartUploadResult is what InitiateMultipartUpload returns.
type InitiateMultipartUploadResult struct {
	XMLName      xml.Name `xml:"InitiateMultipartUploadResult" json:"-" yaml:"-"`
	Bucket       string   `xml:"Bucket" json:"Bucket" yaml:"Bucket"`
	Key          string   `xml:"Key" json:"Key" yaml:"Key"`
	UploadId     string   `xml:"UploadId" json:"UploadId" yaml:"UploadId"`
	EncodingType string   `xml:"EncodingType,omitempty" json:"EncodingType,omitempty" yaml:"EncodingType,omitempty"`
}

// CompleteMultipartUploadResult is what CompleteMultipartUpload returns.
type CompleteMultipartUploadResult struct {
	XMLName       xml.Name `xml:"CompleteMultipartUploadResult" json:"-" yaml:"-"`
	EncodingType  string   `xml:"EncodingType,omitempty" json:"EncodingType,omitempty" yaml:"EncodingType,omitempty"`
	Location      string   `xml:"Location" json:"Location" yaml:"Location"`
	Bucket        string   `xml:"Bucket" json:"Bucket" yaml:"Bucket"`
	Key           string   `xml:"Key" json:"Key" yaml:"Key"`
	ETag          string   `xml:"ETag" json:"ETag" yaml:"ETag"`
	VersionId     string   `xml:"VersionId,omitempty" json:"VersionId,omitempty" yaml:"VersionId,omitempty"`
	HashCrc64ecma string   `xml:"HashCrc64ecma,omitempty" json:"HashCrc64ecma,omitempty" yaml:"HashCrc64ecma,omitempty"`
}

// ListPartsResult is one page of ListParts.
type ListPartsResult struct {
	XMLName              xml.Name    `xml:"ListPartsResult" json:"-" yaml:"-"`
	EncodingType         string      `xml:"EncodingType,omitempty" json:"EncodingType,omitempty" yaml:"EncodingType,omitempty"`
	Bucket               string      `xml:"Bucket" json:"Bucket" yaml:"Bucket"`
	Key                  string      `xml:"Key" json:"Key" yaml:"Key"`
	UploadId             string      `xml:"UploadId" json:"UploadId" yaml:"UploadId"`
	PartNumberMarker     int32       `xml:"PartNumberMarker" json:"PartNumberMarker" yaml:"PartNumberMarker"`
	NextPartNumberMarker int32       `xml:"NextPartNumberMarker" json:"NextPartNumberMarker" yaml:"NextPartNumberMarker"`
	MaxParts             int32       `xml:"MaxParts" json:"MaxParts" yaml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated" json:"IsTruncated" yaml:"IsTruncated"`
	Part                 []PartEntry `xml:"Part" json:"Part" yaml:"Part"`
}

// PartEntry is a part ListParts lists.
type PartEntry struct {
	PartNumber    int32  `xml:"PartNumber" json:"PartNumber" yaml:"PartNumber"`
	LastModified  string `xml:"LastModified" json:"LastModified" yaml:"LastModified"`
	ETag          string `xml:"ETag" json:"ETag" yaml:"ETag"`
	Size          int64  `xml:"Size" json:"Size" yaml:"Size"`
	HashCrc64ecma string `xml:"HashCrc64ecma,omitempty" json:"HashCrc64ecma,omitempty" yaml:"HashCrc64ecma,omitempty"`
}

// ListMultipartUploadsResult is one page of ListMultipartUploads.
type ListMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult" json:"-" yaml:"-"`
	EncodingType       string         `xml:"EncodingType,omitempty" json:"EncodingType,omitempty" yaml:"EncodingType,omitempty"`
	Bucket             string         `xml:"Bucket" json:"Bucket" yaml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker" json:"KeyMarker" yaml:"KeyMarker"`
	UploadIdMarker     string         `xml:"UploadIdMarker" json:"UploadIdMarker" yaml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker" json:"NextKeyMarker" yaml:"NextKeyMarker"`
	NextUploadIdMarker string         `xml:"NextUploadIdMarker" json:"NextUploadIdMarker" yaml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter,omitempty" json:"Delimiter,omitempty" yaml:"Delimiter,omitempty"`
	Prefix             string         `xml:"Prefix" json:"Prefix" yaml:"Prefix"`
	MaxUploads         int32          `xml:"MaxUploads" json:"MaxUploads" yaml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated" json:"IsTruncated" yaml:"IsTruncated"`
	Upload             []UploadEntry  `xml:"Upload" json:"Upload" yaml:"Upload"`
	CommonPrefixes     []CommonPrefix `xml:"CommonPrefixes,omitempty" json:"CommonPrefixes,omitempty" yaml:"CommonPrefixes,omitempty"`
}

// CommonPrefix groups keys up to a delimiter, one element each as in OSS's XML.
type CommonPrefix struct {
	Prefix string `xml:"Prefix" json:"Prefix" yaml:"Prefix"`
}

// UploadEntry is an upload ListMultipartUploads lists.
type UploadEntry struct {
	Key       string `xml:"Key" json:"Key" yaml:"Key"`
	UploadId  string `xml:"UploadId" json:"UploadId" yaml:"UploadId"`
	Initiated string `xml:"Initiated" json:"Initiated" yaml:"Initiated"`
}

// HeadObjectResult is the headers HeadObject returns, by canonical name.
type HeadObjectResult map[string]string

// ErrorResult is an error OSS returned, with the fields of its Error body.
type ErrorResult struct {
	XMLName    xml.Name `xml:"Error" json:"-" yaml:"-"`
	StatusCode int      `xml:"StatusCode" json:"StatusCode" yaml:"StatusCode"`
	Code       string   `xml:"Code" json:"Code" yaml:"Code"`
	Message    string   `xml:"Message" json:"Message" yaml:"Message"`
	RequestId  string   `xml:"RequestId" json:"RequestId" yaml:"RequestId"`
	EC         string   `xml:"EC,omitempty" json:"EC,omitempty" yaml:"EC,omitempty"`
	// Hint is osscopy's advice on what to do next; OSS sends none.
	Hint string `xml:"Hint,omitempty" json:"Hint,omitempty" yaml:"Hint,omitempty"`
}

// FormatTime writes a time as OSS's XML does: 2006-01-02T15:04:05.000Z.
func FormatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// DecodeKeys turns the URL-encoded names of a result OSS sent with
// encoding-type url back into plain names.
func (r *ListMultipartUploadsResult) DecodeKeys() error {
	var err error
	decode := func(s *string) {
		if err == nil {
			*s, err = url.QueryUnescape(*s)
		}
	}
	decode(&r.KeyMarker)
	decode(&r.NextKeyMarker)
	decode(&r.Delimiter)
	decode(&r.Prefix)
	for i := range r.Upload {
		decode(&r.Upload[i].Key)
	}
	for i := range r.CommonPrefixes {
		decode(&r.CommonPrefixes[i].Prefix)
	}
	if err != nil {
		return fmt.Errorf("ListMultipartUploads answered with a name that is not URL-encoded: %w", err)
	}
	return nil
}
