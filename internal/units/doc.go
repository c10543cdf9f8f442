// Package units parses and prints byte sizes and rates as people write them
// on a command line: 1536MiB, 5TiB, 1.5GiB, 100KB, 64MiB/s.
package units
