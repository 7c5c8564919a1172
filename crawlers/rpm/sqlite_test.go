package rpm

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/compresstest"
)

// createrepo's two tables readPrimaryDB reads, as the real primary_db has them.
const (
	schemaPackages = `CREATE TABLE packages (pkgKey INTEGER PRIMARY KEY, pkgId TEXT, name TEXT, arch TEXT, version TEXT, epoch TEXT, release TEXT, location_href TEXT, location_base TEXT)`
	schemaProvides = `CREATE TABLE provides (name TEXT, flags TEXT, epoch TEXT, version TEXT, release TEXT, pkgKey INTEGER)`
	// The trigger createrepo writes into every primary_db (fixtures/rpm/mirror/al2).
	schemaRemovals = `CREATE TRIGGER removals AFTER DELETE ON packages BEGIN DELETE FROM provides WHERE pkgKey = old.pkgKey; END`
)

// makeDB writes an SQLite database made of stmts with the driver the crawler uses and
// returns its bytes.
func makeDB(t *testing.T, stmts ...string) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "primary.sqlite")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dbRepomd is a repomd.xml whose only index is a primary_db at href, of blob (as served)
// that decompresses to raw.
func dbRepomd(href string, blob, raw []byte) []byte {
	return []byte(`<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision><data type="primary_db">
  <checksum type="sha256">` + sha256hex(blob) + `</checksum><open-checksum type="sha256">` + sha256hex(raw) + `</open-checksum>
  <location href="` + href + `" /><size>` + itoa(len(blob)) + `</size><open-size>` + itoa(len(raw)) + `</open-size><database_version>10</database_version></data></repomd>`)
}

func kernelRows(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, `INSERT INTO packages VALUES (`+itoa(i)+`, 'id`+itoa(i)+`', 'kernel-devel', 'x86_64', '5.10.`+itoa(i)+`', '0', '1.amzn2', 'Packages/kernel-devel-5.10.`+itoa(i)+`-1.amzn2.x86_64.rpm', NULL)`)
	}
	return out
}

// TestCrawlPrimaryDBHostile: a primary_db is SQL the mirror wrote. Views (a recursive
// "packages" that yields rows forever grew a crawl to 11 GB), triggers other than
// createrepo's, generated columns and more rows than the cap fail the repository at once,
// with an error naming the URL and the object; the temp file is removed.
func TestCrawlPrimaryDBHostile(t *testing.T) {
	recursive := `CREATE VIEW packages AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r)
		SELECT n AS pkgKey, 'kernel-doc' AS name, 'noarch' AS arch, '0' AS epoch, '1' AS version, '1' AS release, 'k.rpm' AS location_href, NULL AS location_base FROM r`
	tests := []struct {
		name    string
		db      []byte
		rows    int // Repo.MaxDBRows
		timeout time.Duration
		want    []string
		kernels int // when want is nil: the crawl succeeds with this many kernels
	}{
		{name: "recursive view", db: makeDB(t, schemaProvides, recursive), want: []string{`view "packages"`}},
		{name: "view elsewhere", db: makeDB(t, append([]string{schemaPackages, schemaProvides, `CREATE VIEW v AS SELECT 1`}, kernelRows(1)...)...), want: []string{`view "v"`}},
		{name: "trigger", db: makeDB(t, append([]string{schemaPackages, schemaProvides, schemaRemovals,
			`CREATE TRIGGER spin AFTER INSERT ON provides BEGIN SELECT 1; END`}, kernelRows(1)...)...), want: []string{`trigger "spin"`}},
		{name: "generated column", db: makeDB(t, schemaProvides,
			`CREATE TABLE packages (pkgKey INTEGER PRIMARY KEY, name TEXT, arch TEXT, version TEXT, epoch TEXT, release TEXT, location_href TEXT, location_base TEXT AS (upper(name)))`),
			want: []string{`table "packages" has 1 generated columns`}},
		{name: "no provides", db: makeDB(t, schemaPackages), want: []string{`no table "provides"`}},
		{name: "too many rows", db: makeDB(t, append([]string{schemaPackages, schemaProvides, schemaRemovals}, kernelRows(11)...)...), rows: 10, want: []string{"more than 10 rows"}},
		{name: "value over the length cap", db: makeDB(t, schemaPackages, schemaProvides, schemaRemovals,
			`INSERT INTO packages VALUES (1, 'id', 'kernel-devel', 'x86_64', '5.10.1', '0', '1.amzn2', printf('%.*c', 2000000, 'x'), NULL)`), want: []string{"too big"}},
		{name: "deadline", db: makeDB(t, append([]string{schemaPackages, schemaProvides, schemaRemovals}, kernelRows(1)...)...), timeout: time.Nanosecond, want: []string{"queries took longer than 1ns"}},
		{name: "at the cap", db: makeDB(t, append([]string{schemaPackages, schemaProvides, schemaRemovals}, kernelRows(10)...)...), rows: 10, kernels: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gz := compresstest.Gzip(t, tt.db)
			m := newTestMirror(t)
			m.fault("/db/repodata/repomd.xml", serveBytes(dbRepomd("repodata/primary.sqlite.gz", gz, tt.db)))
			m.fault("/db/repodata/primary.sqlite.gz", serveBytes(gz))
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			// The original code ran the view until this deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := CrawlRepo(ctx, newClient(t), Repo{Base: m.url("/db/"), Arch: matrixgen.X86_64, MaxDBRows: tt.rows, DBTimeout: tt.timeout})
			if tt.want == nil {
				if err != nil || len(res.Kernels) != tt.kernels {
					t.Fatalf("CrawlRepo: %v, %d kernels; want %d", err, len(res.Kernels), tt.kernels)
				}
			} else {
				if err == nil {
					t.Fatalf("CrawlRepo: no error, %d kernels; want %q", len(res.Kernels), tt.want)
				}
				for _, w := range append(tt.want, m.url("/db/repodata/primary.sqlite.gz")) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("CrawlRepo: %v; want it to name %q", err, w)
					}
				}
				if res == nil || len(res.Kernels) != 0 {
					t.Errorf("a refused primary_db gave kernels: %+v", res)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
				t.Errorf("temp files left: %q", left)
			}
		})
	}
}

// TestCrawlPrimaryDBHostileBzip2: the same refusal for the form Amazon Linux 2 serves,
// primary.sqlite.bz2 (the test has no bzip2 encoder: the file is a fixture made by
// fixtures/rpm/generate-hostile.sh).
func TestCrawlPrimaryDBHostileBzip2(t *testing.T) {
	bz := fixture(t, "hostile/primary-recursive-view.sqlite.bz2")
	raw := decompress(t, "x.bz2", bz)
	m := newTestMirror(t)
	m.fault("/db/repodata/repomd.xml", serveBytes(dbRepomd("repodata/primary.sqlite.bz2", bz, raw)))
	m.fault("/db/repodata/primary.sqlite.bz2", serveBytes(bz))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := CrawlRepo(ctx, newClient(t), Repo{Base: m.url("/db/"), Arch: matrixgen.X86_64})
	var se *DBSchemaError
	if !errors.As(err, &se) || se.URL != m.url("/db/repodata/primary.sqlite.bz2") || !strings.Contains(err.Error(), `view "packages"`) {
		t.Fatalf("CrawlRepo: %v; want a *DBSchemaError naming the URL and the view", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("temp files left: %q", left)
	}
}
