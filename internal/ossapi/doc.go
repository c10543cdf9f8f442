// Package ossapi holds what osscopy's `api` commands share apart from the
// network: the parsers that check every argument before a request is sent
// (copy sources, byte ranges, HTTP dates, directives, tagging, part lists),
// the results the commands print, and their raw, JSON and YAML renderings.
// It does no I/O beyond writing to the io.Writer it is given.
package ossapi
