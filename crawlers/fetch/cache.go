package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/matrixgen/matrixgen/internal/atomicfile"
)

// diskCache stores one entry per URL under dir, named by the SHA-256 of the URL:
//
//	<key>.json          metadata (cacheMeta), replaced atomically; its rename is the commit
//	<key>.<sha256>      the raw body as served, named by its digest so it never changes
//	<key>.tmp-*         bodies being downloaded
//
// Content-addressed data files mean a reader that opened the metadata and then the data
// always gets the pair it asked for, even while another download replaces the entry.
type diskCache struct {
	dir string
}

type cacheMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256"`
	Size         int64  `json:"size"`
}

func cacheKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

func (c *diskCache) metaPath(key string) string { return filepath.Join(c.dir, key+".json") }

func (c *diskCache) dataPath(key, sum string) string {
	return filepath.Join(c.dir, key+"."+sum)
}

func (c *diskCache) readMeta(key, url string) (*cacheMeta, error) {
	b, err := os.ReadFile(c.metaPath(key))
	if err != nil {
		return nil, err
	}
	var m cacheMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", c.metaPath(key), err)
	}
	if m.URL != url || !validSHA256(m.SHA256) || m.Size < 0 {
		return nil, fmt.Errorf("%s: entry is not for %s or is malformed", c.metaPath(key), url)
	}
	return &m, nil
}

// cacheEntry is an open cached body and its metadata.
type cacheEntry struct {
	meta cacheMeta
	f    *os.File
}

// lookup returns the entry for url, or nil when there is none usable. A broken entry is a
// miss: the download that follows replaces it.
func (c *diskCache) lookup(url string) *cacheEntry {
	key := cacheKey(url)
	m, err := c.readMeta(key, url)
	if err != nil {
		return nil
	}
	f, err := os.Open(c.dataPath(key, m.SHA256))
	if err != nil {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != m.Size {
		f.Close()
		return nil
	}
	return &cacheEntry{meta: *m, f: f}
}

// cacheWriter receives a body while the caller reads it; commit makes it the entry.
type cacheWriter struct {
	c       *diskCache
	key     string
	meta    cacheMeta // URL, ETag and Last-Modified; commit fills in the rest
	f       *os.File
	settled bool
}

func (c *diskCache) create(meta cacheMeta) (*cacheWriter, error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	key := cacheKey(meta.URL)
	f, err := os.CreateTemp(c.dir, key+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &cacheWriter{c: c, key: key, meta: meta, f: f}, nil
}

func (w *cacheWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = fmt.Errorf("cache: %w", err)
	}
	return n, err
}

// commit makes the verified body the entry for its URL: fsync, rename the data into place,
// then atomically replace the metadata, then remove the data file the old metadata named.
func (w *cacheWriter) commit(sum string, size int64) error {
	if w.settled {
		return nil
	}
	w.settled = true
	tmp := w.f.Name()
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	data := w.c.dataPath(w.key, sum)
	if err == nil {
		err = os.Rename(tmp, data)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cache: %w", err)
	}
	old, _ := w.c.readMeta(w.key, w.meta.URL)
	m := w.meta
	m.SHA256, m.Size = sum, size
	meta, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(w.c.metaPath(w.key), append(meta, '\n')); err != nil {
		if old == nil || old.SHA256 != sum {
			os.Remove(data)
		}
		return fmt.Errorf("cache: %w", err)
	}
	if old != nil && old.SHA256 != sum {
		if err := os.Remove(w.c.dataPath(w.key, old.SHA256)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cache: removing the replaced entry: %w", err)
		}
	}
	return nil
}

// abort drops an uncommitted body; it is a no-op after commit.
func (w *cacheWriter) abort() {
	if w.settled {
		return
	}
	w.settled = true
	w.f.Close()
	os.Remove(w.f.Name())
}

func validSHA256(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
