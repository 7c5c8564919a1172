package rpm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Bounds on reading a primary_db, a file the mirror wrote: SQLite runs whatever the
// file's schema says (a view named packages can generate rows forever), so only real
// tables are read, and the rows, the time, the size of one value and the page cache are
// capped. A real one (Amazon Linux 2 core) has about 8,000 packages, a few hundred named
// kernel*, each with tens of provides. There is no PRAGMA hard_heap_limit: it is
// process-wide, and modernc's SQLite does not enforce it (a 40 MB group_concat passed a
// 4 MB limit); memory is bounded instead by what the file can make SQLite do: no view,
// trigger or generated column runs, one value is at most maxDBValue, the page cache is
// dbCacheKiB and temporary data goes to a file.
const (
	// DefaultMaxDBRows caps the rows read from a primary_db (packages named kernel* or linux* plus
	// their provides).
	DefaultMaxDBRows = 1 << 20
	// DefaultDBTimeout bounds the queries of one primary_db.
	DefaultDBTimeout = 2 * time.Minute
	// maxDBValue caps one string or blob SQLite may produce (SQLITE_LIMIT_LENGTH): names,
	// versions and hrefs are short.
	maxDBValue = 1 << 20
	// dbCacheKiB is the page cache of the connection (PRAGMA cache_size, negative: KiB).
	dbCacheKiB = 8 << 10
)

// dbTables are the tables readPrimaryDB reads (createrepo's schema).
var dbTables = []string{"packages", "provides"}

// DBSchemaError is a primary_db whose schema is not createrepo's plain tables: a view or a
// trigger (SQLite would run its code), or a read table that is missing, a view, a virtual
// table or has generated columns. The file is not queried.
type DBSchemaError struct {
	URL  string
	Msgs []string // each offending object, e.g. `view "packages"`
}

func (e *DBSchemaError) Error() string {
	return fmt.Sprintf("%s: primary_db refused: %s (only plain tables are read)", e.URL, strings.Join(e.Msgs, "; "))
}

// DBRowsError is a primary_db with more rows to read than the cap.
type DBRowsError struct {
	URL   string
	Limit int
}

func (e *DBRowsError) Error() string {
	return fmt.Sprintf("%s: primary_db: more than %d rows to read, refused", e.URL, e.Limit)
}

// readPrimaryDB reads a primary_db (SQLite) index: SQLite needs a file, so the verified,
// decompressed stream is written to a temp file of at most max bytes, then queried for the
// packages the matcher may take. It is used only for repositories without a primary XML.
// The temp file is removed on every path, a panic of the driver included (which is
// returned as an error: one hostile file fails its repository, not the crawl).
func readPrimaryDB(ctx context.Context, f source.Fetcher, req fetch.Request, max int64, lim dbLimits, c *collector) (err error) {
	tmp, err := os.CreateTemp("", "matrixgen-primary-*.sqlite")
	if err != nil {
		return fmt.Errorf("GET %s: %w", req.URL, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: primary_db: SQLite failed: %v", req.URL, p)
		}
		tmp.Close()
		if rerr := os.Remove(tmp.Name()); rerr != nil && err == nil {
			err = fmt.Errorf("GET %s: %w", req.URL, rerr)
		}
	}()
	resp, err := f.Open(ctx, req)
	if err != nil {
		return err
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, max+1))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if n > max {
		return &fetch.SizeError{URL: req.URL, Limit: max, Decompressed: true, Got: n}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("GET %s: %w", req.URL, err)
	}
	return queryPrimaryDB(ctx, tmp.Name(), req.URL, lim, c)
}

// dbLimits bounds one primary_db's queries.
type dbLimits struct {
	rows    int
	timeout time.Duration
}

// openDB opens file read-only and immutable, on one connection whose page cache and value
// length are capped and that may not write.
func openDB(ctx context.Context, file string) (*sql.DB, *sql.Conn, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "trusted_schema(0)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", dbCacheKiB))
	q.Add("_pragma", "temp_store(file)")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Opaque: file, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	for _, l := range [][2]int{{sqlite3.SQLITE_LIMIT_LENGTH, maxDBValue}, {sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1 << 16}, {sqlite3.SQLITE_LIMIT_ATTACHED, 0}} {
		if _, err := sqlite.Limit(conn, l[0], l[1]); err != nil {
			conn.Close()
			db.Close()
			return nil, nil, err
		}
	}
	return db, conn, nil
}

// createrepoTrigger is the one trigger createrepo writes into every primary_db:
// "removals", AFTER DELETE ON packages (fixtures/rpm/mirror/al2 has it).
func createrepoTrigger(name, table, def string) bool {
	norm := strings.ToUpper(strings.Join(strings.Fields(def), " "))
	return name == "removals" && table == "packages" && strings.HasPrefix(norm, "CREATE TRIGGER REMOVALS AFTER DELETE ON PACKAGES ")
}

// checkSchema refuses a database with any view or trigger, and one whose read tables
// are not plain tables without generated columns.
func checkSchema(ctx context.Context, conn *sql.Conn, name string) error {
	rows, err := conn.QueryContext(ctx, `SELECT type, name, IFNULL(tbl_name,''), IFNULL(sql,'') FROM sqlite_master`)
	if err != nil {
		return err
	}
	var msgs []string
	found := map[string]bool{}
	for rows.Next() {
		var typ, obj, tbl, def string
		if err := rows.Scan(&typ, &obj, &tbl, &def); err != nil {
			rows.Close()
			return err
		}
		switch {
		case typ == "trigger" && createrepoTrigger(obj, tbl, def):
			// Inert here (no trigger fires on a read, and the connection is query-only),
			// and in every real primary_db: accepted by name and kind, nothing else is.
		case typ == "view" || typ == "trigger":
			msgs = append(msgs, fmt.Sprintf("%s %q", typ, obj))
			if typ == "view" {
				found[strings.ToLower(obj)] = true // said: no "no table" for it too
			}
		case slices.Contains(dbTables, strings.ToLower(obj)) && typ == "table":
			if strings.HasPrefix(strings.ToUpper(strings.Join(strings.Fields(def), " ")), "CREATE VIRTUAL TABLE") {
				msgs = append(msgs, fmt.Sprintf("virtual table %q", obj))
			}
			found[strings.ToLower(obj)] = true
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(msgs) > 0 {
		return &DBSchemaError{URL: name, Msgs: msgs}
	}
	for _, t := range dbTables {
		if !found[t] {
			msgs = append(msgs, fmt.Sprintf("no table %q", t))
			continue
		}
		// hidden 2 and 3 are generated columns (PRAGMA table_xinfo): computed on read.
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_xinfo(?) WHERE hidden IN (2, 3)`, t).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			msgs = append(msgs, fmt.Sprintf("table %q has %d generated columns", t, n))
		}
	}
	if len(msgs) > 0 {
		return &DBSchemaError{URL: name, Msgs: msgs}
	}
	return nil
}

// queryPrimaryDB reads packages and their kernel-devel-uname-r provides from a primary_db
// file (createrepo's schema: packages, provides keyed by pkgKey), within lim.
func queryPrimaryDB(ctx context.Context, file, name string, lim dbLimits, c *collector) (err error) {
	if lim.rows <= 0 {
		lim.rows = DefaultMaxDBRows
	}
	if lim.timeout <= 0 {
		lim.timeout = DefaultDBTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lim.timeout)
	defer cancel()
	wrap := func(err error) error {
		if ctx.Err() != nil && parent.Err() == nil {
			return fmt.Errorf("%s: primary_db: queries took longer than %v: %w", name, lim.timeout, err)
		}
		return fmt.Errorf("%s: primary_db: %w", name, err)
	}
	db, conn, err := openDB(ctx, file)
	if err != nil {
		return wrap(err)
	}
	defer func() { err = errors.Join(err, conn.Close(), db.Close()) }()
	if err := checkSchema(ctx, conn, name); err != nil {
		var se *DBSchemaError
		if errors.As(err, &se) {
			return err
		}
		return wrap(err)
	}
	read := 0
	count := func() error {
		if read++; read > lim.rows {
			return &DBRowsError{URL: name, Limit: lim.rows}
		}
		return nil
	}
	// The name filter is the matcher's; SQL only narrows to kernel* and linux* (Photon's
	// linux-devel, linux-esx-devel) so it stays generic.
	rows, err := conn.QueryContext(ctx, `SELECT pkgKey, name, arch, IFNULL(epoch,''), IFNULL(version,''), IFNULL(release,''),
		IFNULL(location_href,''), IFNULL(location_base,'') FROM packages WHERE name LIKE 'kernel%' OR name LIKE 'linux%'`)
	if err != nil {
		return wrap(err)
	}
	type row struct {
		key int64
		p   Package
	}
	var keep []row
	for rows.Next() {
		if err := count(); err != nil {
			rows.Close()
			return err
		}
		var r row
		if err := rows.Scan(&r.key, &r.p.Name, &r.p.Arch, &r.p.Epoch, &r.p.Version, &r.p.Release, &r.p.Href, &r.p.Base); err != nil {
			rows.Close()
			return wrap(err)
		}
		c.res.Packages++
		if c.repo.Packages.Match(r.p.Name) {
			keep = append(keep, r)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return wrap(err)
	}
	for _, r := range keep {
		prov, err := conn.QueryContext(ctx, `SELECT name, IFNULL(flags,''), IFNULL(epoch,''), IFNULL(version,''), IFNULL(release,'')
			FROM provides WHERE pkgKey = ?`, r.key)
		if err != nil {
			return wrap(err)
		}
		for prov.Next() {
			if err := count(); err != nil {
				prov.Close()
				return err
			}
			var e Entry
			if err := prov.Scan(&e.Name, &e.Flags, &e.Epoch, &e.Version, &e.Release); err != nil {
				prov.Close()
				return wrap(err)
			}
			r.p.Provides = append(r.p.Provides, e)
		}
		if err := errors.Join(prov.Err(), prov.Close()); err != nil {
			return wrap(err)
		}
		c.add(&r.p)
	}
	return nil
}
