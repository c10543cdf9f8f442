package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossurl"
	"github.com/osscopy/osscopy/worker"
)

// Flags that several api commands share, each with the check that turns
// it into a field of a request.

// need checks that each flag (given as name, value pairs) was given.
func need(nameValues ...string) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		if nameValues[i+1] == "" {
			return fmt.Errorf("%s is required", nameValues[i])
		}
	}
	return nil
}

// objectFlags are --bucket and --key: the object a request is about.
type objectFlags struct{ bucket, key string }

func (o *objectFlags) define(fl *pflag.FlagSet, bucketMeaning, keyMeaning string) {
	fl.StringVar(&o.bucket, "bucket", "", bucketMeaning)
	fl.StringVar(&o.key, "key", "", keyMeaning)
}

func (o *objectFlags) check() error {
	if err := need("--bucket", o.bucket, "--key", o.key); err != nil {
		return err
	}
	if err := checkBucket(o.bucket); err != nil {
		return err
	}
	if err := ossurl.CheckKey(o.key); err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	return nil
}

func checkBucket(b string) error {
	if err := ossurl.CheckBucket(b); err != nil {
		return fmt.Errorf("--bucket %q: %w", b, err)
	}
	return nil
}

// conditionFlags are the four conditions on an object's ETag and date:
// with prefix "copy-source-" they are about a copy's source.
type conditionFlags struct {
	prefix                                                   string
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

func (c *conditionFlags) define(fl *pflag.FlagSet, prefix, what string) {
	c.prefix = prefix
	fl.StringVar(&c.ifMatch, prefix+"if-match", "", "act only if the ETag of "+what+" is this one; otherwise 412 Precondition Failed")
	fl.StringVar(&c.ifNoneMatch, prefix+"if-none-match", "", "act only if the ETag of "+what+" is not this one; otherwise 304 Not Modified (exit status 3)")
	fl.StringVar(&c.ifModifiedSince, prefix+"if-modified-since", "", "act only if "+what+" was modified after this date (HTTP date or RFC 3339); otherwise 304 Not Modified (exit status 3)")
	fl.StringVar(&c.ifUnmodifiedSince, prefix+"if-unmodified-since", "", "act only if "+what+" was not modified after this date (HTTP date or RFC 3339); otherwise 412 Precondition Failed")
}

func (c *conditionFlags) parse() (ossapi.Conditions, error) {
	out := ossapi.Conditions{IfMatch: c.ifMatch, IfNoneMatch: c.ifNoneMatch}
	var err error
	if c.ifModifiedSince != "" {
		if out.IfModifiedSince, err = ossapi.ParseDate("--"+c.prefix+"if-modified-since", c.ifModifiedSince); err != nil {
			return out, err
		}
	}
	if c.ifUnmodifiedSince != "" {
		if out.IfUnmodifiedSince, err = ossapi.ParseDate("--"+c.prefix+"if-unmodified-since", c.ifUnmodifiedSince); err != nil {
			return out, err
		}
	}
	return out, nil
}

// copyFromFlags are what both copies take: --copy-source, conditions on it
// and the two directives.
type copyFromFlags struct {
	source                              string
	cond                                conditionFlags
	metadataDirective, taggingDirective string
}

func (c *copyFromFlags) define(fl *pflag.FlagSet, metadataHelp, taggingHelp string) {
	fl.StringVar(&c.source, "copy-source", "", "source object: /bucket/key or bucket/key, the key URL-encoded, optionally ?versionId=ID")
	c.cond.define(fl, "copy-source-", "the source")
	fl.StringVar(&c.metadataDirective, "metadata-directive", "", metadataHelp)
	fl.StringVar(&c.taggingDirective, "tagging-directive", "", taggingHelp)
}

// parse checks the flags; tagging, already checked, needs a Replace.
func (c *copyFromFlags) parse(tagging string) (ossapi.CopyFrom, error) {
	var out ossapi.CopyFrom
	if err := need("--copy-source", c.source); err != nil {
		return out, err
	}
	var err error
	if out.Source, err = ossapi.ParseCopySource(c.source); err != nil {
		return out, err
	}
	if out.SourceIf, err = c.cond.parse(); err != nil {
		return out, err
	}
	if out.MetadataDirective, err = directiveFlag("--metadata-directive", c.metadataDirective); err != nil {
		return out, err
	}
	if out.TaggingDirective, err = directiveFlag("--tagging-directive", c.taggingDirective); err != nil {
		return out, err
	}
	if tagging != "" && out.TaggingDirective != "REPLACE" {
		return out, errors.New("--tagging needs --tagging-directive Replace")
	}
	return out, nil
}

// attributeFlags describe a new object: its headers, metadata, tags and
// storage class.
type attributeFlags struct {
	cacheControl, contentDisposition, contentEncoding, contentType, expires string
	metadata                                                                []string
	storageClass, tagging                                                   string
}

func (a *attributeFlags) define(fl *pflag.FlagSet) {
	fl.StringVar(&a.cacheControl, "cache-control", "", "Cache-Control of the new object")
	fl.StringVar(&a.contentDisposition, "content-disposition", "", "Content-Disposition of the new object")
	fl.StringVar(&a.contentEncoding, "content-encoding", "", "Content-Encoding of the new object")
	fl.StringVar(&a.contentType, "content-type", "", "Content-Type of the new object")
	fl.StringVar(&a.expires, "expires", "", "Expires of the new object (an HTTP date)")
	fl.StringArrayVar(&a.metadata, "metadata", nil, "user metadata key=value, sent as x-oss-meta-key (repeatable)")
	fl.StringVar(&a.storageClass, "storage-class", "", "storage class of the new object: "+fmt.Sprint(ossapi.StorageClasses))
	fl.StringVar(&a.tagging, "tagging", "", "tags of the new object: URL-encoded key=value pairs joined by '&', like TagA=A&TagB=B")
}

func (a *attributeFlags) parse() (worker.Attributes, error) {
	out := worker.Attributes{CacheControl: a.cacheControl, ContentDisposition: a.contentDisposition,
		ContentEncoding: a.contentEncoding, ContentType: a.contentType}
	var err error
	if a.expires != "" {
		if out.Expires, err = ossapi.ParseDate("--expires", a.expires); err != nil {
			return out, err
		}
	}
	if out.Meta, err = ossapi.ParseMetadata("--metadata", a.metadata); err != nil {
		return out, err
	}
	if a.storageClass != "" {
		if out.StorageClass, err = ossapi.ParseStorageClass("--storage-class", a.storageClass); err != nil {
			return out, err
		}
	}
	out.Tagging, err = ossapi.ParseTagging("--tagging", a.tagging)
	return out, err
}

// parseBoolFlag reads a true/false flag that ossutil takes as a string
// (like --forbid-overwrite true); "" stays "" (the header is not sent).
func parseBoolFlag(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return "", fmt.Errorf("%s %q: write true or false", flag, s)
	}
	return strconv.FormatBool(b), nil
}

// parseEncodingType reads --encoding-type: url, or nothing.
func parseEncodingType(s string) (string, error) {
	if s != "" && s != "url" {
		return "", fmt.Errorf("--encoding-type %q: the only encoding OSS offers is url", s)
	}
	return s, nil
}

// directiveFlag reads a COPY or REPLACE directive into the form requests
// carry; "" stays "" (the header is not sent).
func directiveFlag(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	replace, err := ossapi.ParseDirective(flag, s)
	if replace {
		return "REPLACE", err
	}
	return "COPY", err
}
