package fetch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/matrixgen/matrixgen/internal/atomicfile"
)

// Memos keep what a crawler derived from an index beside the HTTP cache,
// keyed by the index's verified digest, so an unchanged index is neither
// downloaded, decompressed nor parsed again (a warm crawl of an unchanged
// mirror costs only its conditional requests). Keys name the derivation
// and its version ("deb-stanzas-v1-<sha256>"), so a change in what is
// derived never reads an old memo.
//
// A memo is only as trustworthy as its key: callers key by a digest they
// verified (a signed InRelease's SHA256, repomd's checksum). Without a
// cache directory there are no memos.

// LoadMemo decodes the memo stored under key into v. It reports false when
// there is none or it cannot be read (a damaged memo is a miss, not an error).
func (c *Client) LoadMemo(key string, v any) bool {
	p, ok := c.memoPath(key)
	if !ok {
		return false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false
	}
	c.stats.memoHit()
	return true
}

// StoreMemo stores v under key, atomically.
func (c *Client) StoreMemo(key string, v any) error {
	p, ok := c.memoPath(key)
	if !ok {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(p, data)
}

func (c *Client) memoPath(key string) (string, bool) {
	if c.cache == nil || key == "" || strings.ContainsAny(key, `/\`) || strings.Contains(key, "..") {
		return "", false
	}
	return filepath.Join(c.cache.dir, "memo", key+".json"), true
}
