package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/duty-project/duty/evidence"
	"github.com/duty-project/duty/rules"
)

// Evidence limits: what one person may upload in a day, and what the
// evidence folder may hold in all. Both are checked before a file is kept.
const (
	defaultEvidenceQuota = 500 << 20 // per person and day
	defaultEvidenceCap   = 50 << 30  // the whole folder
)

// evidenceFiles keeps uploaded evidence files under their SHA-256 in one
// folder. A file is staged there while its step is sent, and kept only
// once the step is taken: a refused step, an unknown case or a visitor
// without the right leaves nothing behind.
type evidenceFiles struct {
	dir string
	// quota is one person's upload allowance per day (China time);
	// capacity the whole folder's. Counted in this process: with several
	// servers on one folder each keeps its own count of the day, and the
	// folder is measured again every minute.
	quota, capacity int64

	mu       sync.Mutex
	used     map[personDay]int64
	stored   int64 // bytes in the folder, as last measured plus kept since
	measured time.Time
}

type personDay struct {
	person int64
	day    string
}

// stagedFile is an uploaded file copied into the folder under a temporary
// name, waiting for its step.
type stagedFile struct {
	tmp, final string
}

// upload is the evidence of one posted form.
type upload struct {
	files    *evidenceFiles
	person   personDay
	reserved int64 // of the person's quota and the folder's capacity
	staged   []stagedFile
}

// begin checks that the files of a posted form fit the person's quota of
// the day and the folder's capacity, and reserves their size.
func (e *evidenceFiles) begin(person int64, form *multipart.Form, now time.Time) (*upload, error) {
	var size int64
	if form != nil {
		for _, fhs := range form.File {
			for _, fh := range fhs {
				size += fh.Size
			}
		}
	}
	key := personDay{person, now.In(rules.China).Format(time.DateOnly)}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.used == nil {
		e.used = map[personDay]int64{}
	}
	if err := e.measure(now); err != nil {
		return nil, err
	}
	if e.used[key]+size > e.quota {
		return nil, fmt.Errorf("these files would take your uploads today past %d MiB (今日上传已达上限); try again tomorrow or ask the administrator", e.quota>>20)
	}
	if e.stored+size > e.capacity {
		return nil, errors.New("the evidence store is full (证据存储空间已满); tell the administrator")
	}
	e.used[key] += size
	e.stored += size
	return &upload{files: e, person: key, reserved: size}, nil
}

// measure sums the folder's files when the last count is a minute old.
// Called with mu held.
func (e *evidenceFiles) measure(now time.Time) error {
	if now.Sub(e.measured) < time.Minute {
		return nil
	}
	var total int64
	err := filepath.WalkDir(e.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("evidence folder: %w", err)
	}
	e.stored, e.measured = total, now
	return nil
}

// stage copies an uploaded file into the folder under a temporary name
// and returns its SHA-256.
func (u *upload) stage(fh *multipart.FileHeader) (string, error) {
	src, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	if err := os.MkdirAll(u.files.dir, 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(u.files.dir, ".staged-*")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	u.staged = append(u.staged, stagedFile{tmp: tmp.Name(), final: filepath.Join(u.files.dir, sum)})
	return sum, nil
}

// keep moves the staged files into place once their step is taken on
// the case numbered caseNo, and records that case beside each file (see
// keptFor). A rename within the folder cannot run out of space; the same
// file kept twice stays one file, with both cases recorded.
func (u *upload) keep(caseNo string) error {
	var errs []error
	for _, f := range u.staged {
		errs = append(errs, recordCase(f.final, caseNo), os.Rename(f.tmp, f.final))
	}
	u.staged = nil
	return errors.Join(errs...)
}

// casesSuffix names the file beside an evidence file that lists, one a
// line, the cases it was uploaded to through these pages.
const casesSuffix = evidence.CasesSuffix

// recordCase adds a case to the list beside a file. One short append is
// one write, so processes sharing the folder do not mix their lines.
func recordCase(file, caseNo string) error {
	f, err := os.OpenFile(file+casesSuffix, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	_, err = f.WriteString(caseNo + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// keptFor reports whether a kept file was uploaded to the case numbered
// caseNo (evidence.KeptFor: the case file carries the same files).
func (e *evidenceFiles) keptFor(sum, caseNo string) bool { return evidence.KeptFor(e.dir, sum, caseNo) }

// discard removes the staged files of a step that was not taken and gives
// back what they had reserved.
func (u *upload) discard() {
	for _, f := range u.staged {
		_ = os.Remove(f.tmp)
	}
	u.staged = nil
	e := u.files
	e.mu.Lock()
	defer e.mu.Unlock()
	e.used[u.person] = max(0, e.used[u.person]-u.reserved)
	e.stored = max(0, e.stored-u.reserved)
	u.reserved = 0
}

// evidenceName is the name a file is recorded under: its base name only.
func evidenceName(fh *multipart.FileHeader) string {
	return strings.TrimSpace(filepath.Base(fh.Filename))
}
