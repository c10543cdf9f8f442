package ossserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// apiShapes names every OSS operation by the request that asks for it, one
// line each: "Name METHOD TARGET[?PARAMS] [HEADER]". TARGET is "/" (the
// service), "/b" (a bucket) or "/b/k" (an object); PARAMS are the query
// parameters that identify the operation ("comp=add" also fixes the value);
// HEADER, when given, must be present (it tells CopyObject from PutObject).
//
// The names and shapes are those of the SDK v2's operations (OpName,
// Method and Parameters in its api_op_*.go; TestAPINamesFollowSDK checks
// every one over HTTP), then those only the SDK v1 has (live channels, QoS,
// response headers, async fetch), then PostObject from the API reference.
// The access log names a request by this table whether or not the server
// implements the operation (ops in route.go says which it does).
var apiShapes = []string{
	"ListBuckets GET /",
	"DescribeRegions GET /?regions",
	"GetPublicAccessBlock GET /?publicAccessBlock",
	"PutPublicAccessBlock PUT /?publicAccessBlock",
	"DeletePublicAccessBlock DELETE /?publicAccessBlock",
	"ListAccessPointsForObjectProcess GET /?accessPointForObjectProcess",
	"ListUserDataRedundancyTransition GET /?redundancyTransition",
	"ListCloudBoxes GET /?cloudboxes",
	"DoDataPipeLineAction POST /?dataPipeline&action",
	"WriteGetObjectResponse POST /?x-oss-write-get-object-response",

	"PutBucket PUT /b",
	"DeleteBucket DELETE /b",
	"HeadBucket HEAD /b",
	"ListObjects GET /b",
	"ListObjectsV2 GET /b?list-type=2",
	"ListObjectVersions GET /b?versions",
	"ListMultipartUploads GET /b?uploads",
	"DeleteMultipleObjects POST /b?delete",
	"GetBucketInfo GET /b?bucketInfo",
	"GetBucketLocation GET /b?location",
	"GetBucketStat GET /b?stat",
	"PutBucketAcl PUT /b?acl",
	"GetBucketAcl GET /b?acl",
	"PutBucketVersioning PUT /b?versioning",
	"GetBucketVersioning GET /b?versioning",
	"PutBucketRequestPayment PUT /b?requestPayment",
	"GetBucketRequestPayment GET /b?requestPayment",
	"PutBucketAccessMonitor PUT /b?accessmonitor",
	"GetBucketAccessMonitor GET /b?accessmonitor",
	"GetBucketArchiveDirectRead GET /b?bucketArchiveDirectRead",
	"PutBucketArchiveDirectRead PUT /b?bucketArchiveDirectRead",
	"PutCname POST /b?cname&comp=add",
	"ListCname GET /b?cname",
	"DeleteCname POST /b?cname&comp=delete",
	"GetCnameToken GET /b?cname&comp=token",
	"CreateCnameToken POST /b?cname&comp=token",
	"PutBucketCors PUT /b?cors",
	"GetBucketCors GET /b?cors",
	"DeleteBucketCors DELETE /b?cors",
	"PutBucketEncryption PUT /b?encryption",
	"GetBucketEncryption GET /b?encryption",
	"DeleteBucketEncryption DELETE /b?encryption",
	"GetBucketHttpsConfig GET /b?httpsConfig",
	"PutBucketHttpsConfig PUT /b?httpsConfig",
	"PutBucketInventory PUT /b?inventory&inventoryId",
	"GetBucketInventory GET /b?inventory&inventoryId",
	"ListBucketInventory GET /b?inventory",
	"DeleteBucketInventory DELETE /b?inventory&inventoryId",
	"PutBucketLifecycle PUT /b?lifecycle",
	"GetBucketLifecycle GET /b?lifecycle",
	"DeleteBucketLifecycle DELETE /b?lifecycle",
	"PutBucketLogging PUT /b?logging",
	"GetBucketLogging GET /b?logging",
	"DeleteBucketLogging DELETE /b?logging",
	"PutUserDefinedLogFieldsConfig PUT /b?userDefinedLogFieldsConfig",
	"GetUserDefinedLogFieldsConfig GET /b?userDefinedLogFieldsConfig",
	"DeleteUserDefinedLogFieldsConfig DELETE /b?userDefinedLogFieldsConfig",
	"CreateBucketMetadataConfiguration POST /b?metadataConfiguration",
	"GetBucketMetadataConfiguration GET /b?metadataConfiguration",
	"DeleteBucketMetadataConfiguration DELETE /b?metadataConfiguration",
	"UpdateBucketMetadataInventoryTableConfiguration PUT /b?metadataInventoryTable",
	"UpdateBucketMetadataJournalTableConfiguration PUT /b?metadataJournalTable",
	"GetMetaQueryStatus GET /b?metaQuery",
	"OpenMetaQuery POST /b?metaQuery&comp=add",
	"DoMetaQuery POST /b?metaQuery&comp=query",
	"CloseMetaQuery POST /b?metaQuery&comp=delete",
	"DoMetaQueryAction POST /b?metaQuery&action",
	"ListAccessPoints GET /b?accessPoint",
	"GetAccessPoint GET /b?accessPoint x-oss-access-point-name",
	"CreateAccessPoint PUT /b?accessPoint",
	"DeleteAccessPoint DELETE /b?accessPoint",
	"GetAccessPointPolicy GET /b?accessPointPolicy",
	"PutAccessPointPolicy PUT /b?accessPointPolicy",
	"DeleteAccessPointPolicy DELETE /b?accessPointPolicy",
	"GetAccessPointPublicAccessBlock GET /b?publicAccessBlock&x-oss-access-point-name",
	"PutAccessPointPublicAccessBlock PUT /b?publicAccessBlock&x-oss-access-point-name",
	"DeleteAccessPointPublicAccessBlock DELETE /b?publicAccessBlock&x-oss-access-point-name",
	"CreateAccessPointForObjectProcess PUT /b?accessPointForObjectProcess",
	"GetAccessPointForObjectProcess GET /b?accessPointForObjectProcess",
	"DeleteAccessPointForObjectProcess DELETE /b?accessPointForObjectProcess",
	"GetAccessPointConfigForObjectProcess GET /b?accessPointConfigForObjectProcess",
	"PutAccessPointConfigForObjectProcess PUT /b?accessPointConfigForObjectProcess",
	"GetAccessPointPolicyForObjectProcess GET /b?accessPointPolicyForObjectProcess",
	"PutAccessPointPolicyForObjectProcess PUT /b?accessPointPolicyForObjectProcess",
	"DeleteAccessPointPolicyForObjectProcess DELETE /b?accessPointPolicyForObjectProcess",
	"PutBucketObjectWormConfiguration PUT /b?objectWorm",
	"GetBucketObjectWormConfiguration GET /b?objectWorm",
	"PutBucketOverwriteConfig PUT /b?overwriteConfig",
	"GetBucketOverwriteConfig GET /b?overwriteConfig",
	"DeleteBucketOverwriteConfig DELETE /b?overwriteConfig",
	"PutBucketPolicy PUT /b?policy",
	"GetBucketPolicy GET /b?policy",
	"DeleteBucketPolicy DELETE /b?policy",
	"GetBucketPolicyStatus GET /b?policyStatus",
	"GetBucketPublicAccessBlock GET /b?publicAccessBlock",
	"PutBucketPublicAccessBlock PUT /b?publicAccessBlock",
	"DeleteBucketPublicAccessBlock DELETE /b?publicAccessBlock",
	"PutBucketStorageQuota PUT /b?quota",
	"GetBucketStorageQuota GET /b?quota",
	"DeleteBucketStorageQuota DELETE /b?quota",
	"ListBucketDataRedundancyTransition GET /b?redundancyTransition",
	"GetBucketDataRedundancyTransition GET /b?redundancyTransition&x-oss-redundancy-transition-taskid",
	"CreateBucketDataRedundancyTransition POST /b?redundancyTransition",
	"DeleteBucketDataRedundancyTransition DELETE /b?redundancyTransition",
	"PutBucketReferer PUT /b?referer",
	"GetBucketReferer GET /b?referer",
	"PutBucketRtc PUT /b?rtc",
	"PutBucketReplication POST /b?replication&comp=add",
	"DeleteBucketReplication POST /b?replication&comp=delete",
	"GetBucketReplication GET /b?replication",
	"GetBucketReplicationLocation GET /b?replicationLocation",
	"GetBucketReplicationProgress GET /b?replicationProgress",
	"GetBucketResourceGroup GET /b?resourceGroup",
	"PutBucketResourceGroup PUT /b?resourceGroup",
	"ListStyle GET /b?style",
	"PutStyle PUT /b?style&styleName",
	"GetStyle GET /b?style&styleName",
	"DeleteStyle DELETE /b?style&styleName",
	"PutBucketTags PUT /b?tagging",
	"GetBucketTags GET /b?tagging",
	"DeleteBucketTags DELETE /b?tagging",
	"PutBucketTransferAcceleration PUT /b?transferAcceleration",
	"GetBucketTransferAcceleration GET /b?transferAcceleration",
	"GetBucketWebsite GET /b?website",
	"PutBucketWebsite PUT /b?website",
	"DeleteBucketWebsite DELETE /b?website",
	"InitiateBucketWorm POST /b?worm",
	"AbortBucketWorm DELETE /b?worm",
	"GetBucketWorm GET /b?worm",
	"CompleteBucketWorm POST /b?wormId",
	"ExtendBucketWorm POST /b?wormExtend&wormId",

	"PutObject PUT /b/k",
	"CopyObject PUT /b/k x-oss-copy-source",
	"GetObject GET /b/k",
	"HeadObject HEAD /b/k",
	"GetObjectMeta HEAD /b/k?objectMeta",
	"DeleteObject DELETE /b/k",
	"OptionObject OPTIONS /b/k",
	"AppendObject POST /b/k?append",
	"SealAppendObject POST /b/k?seal",
	"RestoreObject POST /b/k?restore",
	"CleanRestoredObject POST /b/k?cleanRestoredObject",
	"PutObjectAcl PUT /b/k?acl",
	"GetObjectAcl GET /b/k?acl",
	"InitiateMultipartUpload POST /b/k?uploads",
	"UploadPart PUT /b/k?partNumber&uploadId",
	"UploadPartCopy PUT /b/k?partNumber&uploadId x-oss-copy-source",
	"CompleteMultipartUpload POST /b/k?uploadId",
	"AbortMultipartUpload DELETE /b/k?uploadId",
	"ListParts GET /b/k?uploadId",
	"PutSymlink PUT /b/k?symlink",
	"GetSymlink GET /b/k?symlink",
	"PutObjectTagging PUT /b/k?tagging",
	"GetObjectTagging GET /b/k?tagging",
	"DeleteObjectTagging DELETE /b/k?tagging",
	"ProcessObject POST /b/k?x-oss-process",
	"SelectObject POST /b/k?x-oss-process=csv/select",
	"SelectObject POST /b/k?x-oss-process=json/select",
	"CreateSelectObjectMeta POST /b/k?x-oss-process=csv/meta",
	"CreateSelectObjectMeta POST /b/k?x-oss-process=json/meta",
	"AsyncProcessObject POST /b/k?x-oss-async-process",
	"PutObjectRetention PUT /b/k?retention",
	"GetObjectRetention GET /b/k?retention",
	"PutObjectLegalHold PUT /b/k?legalHold",
	"GetObjectLegalHold GET /b/k?legalHold",

	// Only the SDK v1 has these; the names are the API reference's.
	"GetUserQoSInfo GET /?qosInfo",
	"PutBucketQoSInfo PUT /b?qosInfo",
	"GetBucketQoSInfo GET /b?qosInfo",
	"DeleteBucketQoSInfo DELETE /b?qosInfo",
	"PutBucketResponseHeader PUT /b?responseHeader",
	"GetBucketResponseHeader GET /b?responseHeader",
	"DeleteBucketResponseHeader DELETE /b?responseHeader",
	"ListLiveChannel GET /b?live",
	"PutLiveChannel PUT /b/k?live",
	"GetLiveChannelInfo GET /b/k?live",
	"GetLiveChannelStat GET /b/k?live&comp=stat",
	"GetLiveChannelHistory GET /b/k?live&comp=history",
	"PutLiveChannelStatus PUT /b/k?live&status",
	"DeleteLiveChannel DELETE /b/k?live",
	"PostVodPlaylist POST /b/k?vod",
	"GetVodPlaylist GET /b/k?vod",
	// The SDK v1 calls these SetBucketAsyncTask and GetBucketAsyncTask.
	"PutAsyncFetchTask POST /b?asyncFetch",
	"GetAsyncFetchTask GET /b?asyncFetch",
	// HTML form upload (API reference); no SDK sends it.
	"PostObject POST /b",
}

// target is what a request addresses.
type target int

const (
	onService target = iota
	onBucket
	onObject
)

func targetOf(bucket, key string) target {
	switch {
	case key != "":
		return onObject
	case bucket != "":
		return onBucket
	}
	return onService
}

// apiShape is one parsed line of apiShapes.
type apiShape struct {
	name   string
	params []apiParam
	header string
}

// apiParam is a query parameter that identifies an operation; value, when
// set, is the only value that does.
type apiParam struct{ name, value string }

// opName is the name the access log gives a request of shape a.
func (a *apiShape) opName() string {
	if a == nil {
		return unrecognizedOp
	}
	return a.name
}

// identifies reports whether the query parameter name is one that picks
// the operation.
func (a *apiShape) identifies(name string) bool {
	for _, p := range a.params {
		if p.name == name {
			return true
		}
	}
	return false
}

// specificity ranks shapes that a request matches: each parameter counts,
// a fixed value and a header count once more.
func (a *apiShape) specificity() int {
	n := len(a.params)
	for _, p := range a.params {
		if p.value != "" {
			n++
		}
	}
	if a.header != "" {
		n++
	}
	return n
}

func (a *apiShape) matches(q url.Values, h http.Header) bool {
	for _, p := range a.params {
		if !q.Has(p.name) || p.value != "" && q.Get(p.name) != p.value {
			return false
		}
	}
	return a.header == "" || h.Get(a.header) != ""
}

// shapesBy holds the parsed apiShapes by method and target.
var shapesBy = map[string][]*apiShape{}

func shapeKey(method string, t target) string { return fmt.Sprint(method, " ", t) }

func init() {
	targets := map[string]target{"/": onService, "/b": onBucket, "/b/k": onObject}
	for _, line := range apiShapes {
		f := strings.Fields(line)
		if len(f) < 3 || len(f) > 4 {
			panic("apiShapes: malformed line " + line)
		}
		path, query, _ := strings.Cut(f[2], "?")
		t, ok := targets[path]
		if !ok {
			panic("apiShapes: unknown target in " + line)
		}
		a := &apiShape{name: f[0]}
		if len(f) == 4 {
			a.header = f[3]
		}
		if query != "" {
			for _, p := range strings.Split(query, "&") {
				name, value, _ := strings.Cut(p, "=")
				a.params = append(a.params, apiParam{name, value})
			}
		}
		shapesBy[shapeKey(f[1], t)] = append(shapesBy[shapeKey(f[1], t)], a)
	}
}

// apiShapeOf finds the operation a request asks for: of the shapes for its
// method and target that it matches, the most specific (the first listed
// on a tie). It returns nil for a request no OSS operation has the shape of.
func apiShapeOf(method string, t target, q url.Values, h http.Header) *apiShape {
	var best *apiShape
	for _, a := range shapesBy[shapeKey(method, t)] {
		if a.matches(q, h) && (best == nil || a.specificity() > best.specificity()) {
			best = a
		}
	}
	return best
}
