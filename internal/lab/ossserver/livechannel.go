package ossserver

import "encoding/xml"

// listLiveChannels answers ListLiveChannel truthfully: this server
// implements no PutLiveChannel (501), so no bucket ever has a live channel.
// The SDK v1's bucket cleanup lists them before deleting a bucket.
func (s *Server) listLiveChannels(rq *request) *ossError {
	q := rq.r.URL.Query()
	maxKeys, e := intParam(q.Get("max-keys"), "max-keys", 100, 1, 1000)
	if e != nil {
		return e
	}
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	return s.writeXML(rq, struct {
		XMLName     xml.Name `xml:"ListLiveChannelResult"`
		Prefix      string   `xml:"Prefix"`
		Marker      string   `xml:"Marker"`
		MaxKeys     int      `xml:"MaxKeys"`
		IsTruncated bool     `xml:"IsTruncated"`
		NextMarker  string   `xml:"NextMarker"`
	}{Prefix: q.Get("prefix"), Marker: q.Get("marker"), MaxKeys: maxKeys})
}
