package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/osscopy/osscopy/internal/localfile"
)

// UploadIDs returns the upload IDs the checkpoints in dir can resume, with
// each checkpoint's path. It takes no locks: a copy may be running. A
// missing dir holds none; damaged checkpoints are skipped, as no copy can
// resume them without --fresh.
func UploadIDs(dir string) (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "copy-*.json"))
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, p := range paths {
		data, err := localfile.ReadFile(p, maxStateFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by a copy that just finished
		}
		if err != nil {
			return nil, fmt.Errorf("reading checkpoint %s: %w", p, err)
		}
		var st State
		if json.Unmarshal(data, &st) == nil && st.UploadID != "" {
			ids[st.UploadID] = p
		}
	}
	return ids, nil
}
