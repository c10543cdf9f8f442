package faults_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// userDirs makes a checkpoint dir and a HOME for osscopy run as cred (see
// e2e.Unprivileged): owned by that user, reachable through the test's
// temporary directories.
func userDirs(t *testing.T, cred *syscall.Credential) (ckpt, home string) {
	t.Helper()
	base := t.TempDir()
	ckpt, home = filepath.Join(base, "ckpt"), filepath.Join(base, "home")
	for _, d := range []string{ckpt, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if cred == nil {
		return ckpt, home
	}
	for _, d := range []string{base, filepath.Dir(base)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{ckpt, home} {
		if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return ckpt, home
}

// TestCheckpointDirUnwritable: the checkpoint directory turns read-only
// between an interrupted run and its resume, or fills up (simulated with a
// file size limit: writes past it fail with EFBIG where a full disk gives
// ENOSPC) at the start of a copy or in the middle. cp fails with an error
// that names the checkpoint and the cause; the checkpoint it had is intact
// (byte for byte, when read-only); the parts paid for stay on the server;
// and once the directory is fixed the same command resumes and verifies.
func TestCheckpointDirUnwritable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// limit on the size of files the failing run writes (0: none; the
		// directory is made read-only instead)
		limit        int64
		interruptFst bool     // interrupt a first run to leave a checkpoint
		want         []string // in stderr of the failing run
		keepsUpload  bool
	}{
		{name: "read-only", interruptFst: true, want: []string{"saving checkpoint", "permission denied", "the previous checkpoint is intact"},
			keepsUpload: true},
		// The state file is about 600 bytes, the parts file grows 57 bytes
		// a part: 1,024 bytes let the copy start and fail after 17 parts.
		{name: "full-mid-copy", limit: 1024, want: []string{"recording part", "file too large", "run the same command"}, keepsUpload: true},
		{name: "full-at-start", limit: 200, want: []string{"saving checkpoint", "file too large"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", slowParts)
			var cred *syscall.Credential // root writes through modes: run as another user
			if tc.limit == 0 {
				cred = e2e.Unprivileged()
			}
			ckpt, home := userDirs(t, cred)
			env := s.Env("HOME=" + home)
			args := cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--parallel", "4")
			var before map[string]string
			if tc.interruptFst {
				first := e2e.StartAs(t, cred, env, args...)
				s.WaitForLog(t, "UploadPartCopy", 12)
				first.Kill()
				before = checkpointFiles(t, ckpt)
				if err := os.Chmod(ckpt, 0o500); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(ckpt, 0o700) }) // for TempDir's removal
			}
			var failed *e2e.Proc
			if tc.limit > 0 {
				failed = e2e.StartWithFileLimit(t, env, tc.limit, args...)
			} else {
				failed = e2e.StartAs(t, cred, env, args...)
			}
			failed.Wait(e2e.RunTimeout)
			failed.RequireCode(1)
			e2e.RequireMentions(t, "stderr", failed.Stderr(), append(tc.want, ckpt)...)
			if before != nil {
				if after := checkpointFiles(t, ckpt); !maps.Equal(before, after) {
					t.Errorf("the checkpoint changed:\nbefore %q\nafter  %q", before, after)
				}
			}
			s.RequireNoObject(t, "dst", "f.bin")
			uploads := s.Uploads(t, "dst")
			parts := 0
			for _, u := range uploads {
				parts += u.Parts
			}
			if tc.keepsUpload && (len(uploads) != 1 || parts == 0) || !tc.keepsUpload && len(uploads) != 0 {
				t.Errorf("uploads %+v left; want the one with the parts paid for exactly when a part was copied", uploads)
			}
			if tc.keepsUpload {
				noDeletes(t, s.Log(t))
			}
			if tc.interruptFst {
				if err := os.Chmod(ckpt, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			// Parts the server holds but the full disk kept out of the
			// checkpoint are copied again: a resume completes only parts
			// whose ETags its checkpoint recorded.
			recorded := recordedParts(t, ckpt)
			resumed := e2e.StartAs(t, cred, env, args...)
			resumed.Wait(e2e.RunTimeout)
			resumed.RequireCode(0)
			res := resumed.Result()
			if res.ResumedParts != recorded || recorded > parts || recorded < parts-4 {
				t.Errorf("the resumed run found %d parts, want the %d the checkpoint recorded (of %d on the server, 4 in flight)", res.ResumedParts, recorded, parts)
			}
			if crc := s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			t.Logf("%s: failed cleanly (%s); %d parts kept on the server; the rerun resumed them and verified",
				tc.name, errorLine(failed.Stderr()), parts)
		})
	}
}

// TestDamagedCheckpoint: the state file of an interrupted copy is emptied,
// truncated, replaced with garbage, marked with a newer schema, or is the
// state of another copy (of another source, or to another destination:
// moved or copied by hand). cp refuses it with an error naming the file
// and --fresh, and deletes nothing on the server: no AbortMultipartUpload,
// no DeleteObject, the interrupted upload keeps its parts. --fresh then
// copies anew and verifies, still without aborting an upload it cannot
// know to be its own.
func TestDamagedCheckpoint(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--seed-object", e2e.SeedObject("src", "other.bin", srcSize),
		"--latency", slowParts)
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string, data []byte) []byte
		want   []string
	}{
		{"empty", func(*testing.T, string, []byte) []byte { return nil }, []string{"is damaged"}},
		{"truncated", func(_ *testing.T, _ string, data []byte) []byte { return data[:len(data)/2] }, []string{"is damaged"}},
		{"garbage", func(*testing.T, string, []byte) []byte { return []byte("\x00\xff{{garbage\n\x89PNG") }, []string{"is damaged"}},
		{"newer-schema", func(t *testing.T, _ string, data []byte) []byte {
			return editState(t, data, func(st map[string]any) { st["version"] = 99 })
		}, []string{"newer osscopy", "schema 99"}},
		// Another copy's state, of another object (so with another ETag):
		// resuming it, osscopy once took the source for changed and aborted
		// the upload, parts and all.
		{"other-source", func(t *testing.T, _ string, data []byte) []byte {
			other, err := s.Head(t, "src", "other.bin")
			if err != nil {
				t.Fatal(err)
			}
			return editState(t, data, func(st map[string]any) {
				src := st["source"].(map[string]any)
				src["key"], src["etag"] = "other.bin", *other.ETag
			})
		}, []string{"oss://src/other.bin"}},
		{"other-destination", func(t *testing.T, _ string, data []byte) []byte {
			return editState(t, data, func(st map[string]any) { st["destination"].(map[string]any)["key"] = "elsewhere.bin" })
		}, []string{"oss://dst/elsewhere.bin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			key := "damaged-" + tc.name
			args := cpArgs(ckpt, "oss://src/f.bin", "oss://dst/"+key, "--parallel", "4")
			tail := s.Tail(t)
			first := e2e.Start(t, s.Env(), args...)
			waitForParts(t, tail, key, 8)
			first.Kill()
			path := filepath.Join(ckpt, checkpoint.Name(checkpoint.Source{Bucket: "src", Key: "f.bin"}, checkpoint.Destination{Bucket: "dst", Key: key})+".json")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("the interrupted run left no checkpoint: %v", err)
			}
			if err := os.WriteFile(path, tc.damage(t, path, data), 0o600); err != nil {
				t.Fatal(err)
			}
			uploads := uploadsOf(t, s, key)
			if len(uploads) != 1 || uploads[0].Parts < 8 {
				t.Fatalf("uploads of %s after the kill: %+v, want one with at least 8 parts", key, uploads)
			}

			refused := e2e.Run(t, s.Env(), args...)
			refused.RequireCode(1)
			e2e.RequireMentions(t, "stderr", refused.Stderr(), append(tc.want, path, "--fresh")...)
			fresh := e2e.Run(t, s.Env(), append(args, "--fresh")...)
			fresh.RequireCode(0)
			res := fresh.Result()
			if res.ResumedParts != 0 || res.UploadID == uploads[0].ID {
				t.Errorf("--fresh: result %+v, want a new upload, nothing resumed", res)
			}
			if crc := s.RequireSameObject(t, "src", "f.bin", "dst", key, partSize); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			// The interrupted upload is not this run's to abort: it is kept,
			// parts and all, for its owner to resume or abort.
			if left := uploadsOf(t, s, key); len(left) != 1 || left[0] != uploads[0] {
				t.Errorf("uploads of %s after --fresh: %+v, want the interrupted one untouched: %+v", key, left, uploads)
			}
			for _, e := range tail.Next(t) {
				if (e.Op == "AbortMultipartUpload" || e.Op == "DeleteObject") && e.Key == key {
					t.Errorf("%s of %s (upload %s): no data may be deleted", e.Op, key, e.UploadID)
				}
			}
			t.Logf("%s: refused with %q; --fresh copied anew and verified; the interrupted upload kept its %d parts",
				tc.name, errorLine(refused.Stderr()), uploads[0].Parts)
		})
	}
}

// waitForParts follows the log until it shows n part copies to key.
func waitForParts(t *testing.T, tail *e2e.LogTail, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for seen := 0; seen < n; time.Sleep(time.Millisecond) {
		for _, e := range tail.Next(t) {
			if e.Op == "UploadPartCopy" && e.Key == key && e.Status == 200 {
				seen++
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log shows %d part copies to %s after a minute, want %d", seen, key, n)
		}
	}
}

func uploadsOf(t *testing.T, s *e2e.Server, key string) []e2e.Upload {
	t.Helper()
	var out []e2e.Upload
	for _, u := range s.Uploads(t, "dst") {
		if u.Key == key {
			out = append(out, u)
		}
	}
	return out
}

// editState changes a state file's JSON.
func editState(t *testing.T, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	edit(st)
	out, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConcurrentRuns: a second run of a copy in progress is refused at
// once, says another run holds it, and sends nothing but the source's
// HEAD; the first run completes and verifies.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", slowParts)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	args := cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--parallel", "4")
	first := e2e.Start(t, s.Env(), args...)
	s.WaitForLog(t, "UploadPartCopy", 1)
	tail := s.Tail(t)
	second := e2e.Run(t, s.Env(), args...)
	second.RequireCode(1)
	e2e.RequireMentions(t, "stderr", second.Stderr(), "another osscopy run is copying this object right now", ckpt)
	if first.Exited() {
		t.Fatalf("the first run ended (%v) while the second ran", first.Cmd.ProcessState)
	}
	first.Wait(e2e.RunTimeout)
	first.RequireCode(0)
	during := tail.Next(t)
	s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize)
	s.Stop(t)
	log := s.Log(t)
	if n := e2e.Count(log, "InitiateMultipartUpload", 0); n != 1 {
		t.Errorf("%d InitiateMultipartUpload, want 1: the second run must start no upload", n)
	}
	srcHeads := 0
	for _, e := range during {
		if e.Op == "HeadObject" && e.Key == "f.bin" && e.Bucket == "src" {
			srcHeads++
		}
	}
	if srcHeads != 1 {
		t.Errorf("%d HEADs of the source while the second run ran, want its one", srcHeads)
	}
	t.Logf("second run refused: %q; the first completed and verified", errorLine(second.Stderr()))
}

// recordedParts is how many parts the checkpoint in dir records (0: none
// was saved).
func recordedParts(t *testing.T, dir string) int {
	t.Helper()
	states := stateFiles(t, dir)
	if len(states) == 0 {
		return 0
	}
	if len(states) != 1 {
		t.Fatalf("checkpoint states in %s: %q, want one", dir, states)
	}
	cp, st, err := checkpoint.Open(dir, strings.TrimSuffix(filepath.Base(states[0]), ".json"))
	if err != nil || st == nil {
		t.Fatalf("opening checkpoint %s: %+v, %v", states[0], st, err)
	}
	defer cp.Close()
	return len(st.Parts)
}
