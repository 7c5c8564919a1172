package github

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen/github/githubtest"
)

// recordedError is the errors[] part of a real GitHub 422 body in
// fixtures/github/releases: what the publisher branches on.
type recordedError struct {
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Field    string `json:"field"`
}

func recorded(t *testing.T, name string) ([]byte, []recordedError) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "github", "releases", name))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Errors []recordedError `json:"errors"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b, body.Errors
}

// GitHub's real answers, served byte for byte, are classified as the
// publisher expects: the fake proves nothing if it answers in a shape
// GitHub never sends.
func TestRecordedReleaseAnswers(t *testing.T) {
	for _, tc := range []struct {
		file                  string
		tagExists, nameExists bool
		full                  bool
	}{
		{file: "create-release-tag-exists.json", tagExists: true},
		{file: "upload-asset-name-exists.json", nameExists: true},
		{file: "upload-asset-release-full.json", full: true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, _ := recorded(t, tc.file)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusUnprocessableEntity)
				w.Write(body)
			}))
			defer srv.Close()
			base := srv.URL + "/"
			c, err := gh.NewClient(gh.WithURLs(&base, &base), gh.WithDisableRateLimitCheck())
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Repositories.CreateRelease(t.Context(), "acme", "drivers", gh.CreateReleaseRequest{TagName: "x"})
			if err == nil {
				t.Fatal("no error for a 422")
			}
			if got := validationCode(err, "already_exists", "tag_name"); got != tc.tagExists {
				t.Errorf("tag exists = %v, want %v (%v)", got, tc.tagExists, err)
			}
			if got := validationCode(err, "already_exists", "name"); got != tc.nameExists {
				t.Errorf("name exists = %v, want %v (%v)", got, tc.nameExists, err)
			}
			if got := releaseFull(err); got != tc.full {
				t.Errorf("release full = %v, want %v (%v)", got, tc.full, err)
			}
		})
	}
}

// The fake's refusals carry the same errors[] entries as GitHub's real
// ones.
func TestFakeAnswersAsRecorded(t *testing.T) {
	fake := githubtest.New("acme", "drivers", "main", nil)
	fake.SetMaxAssets(1)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	post := func(path string, body []byte) []recordedError {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL+path, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Errors []recordedError `json:"errors"`
		}
		if resp.StatusCode != http.StatusUnprocessableEntity {
			return nil
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Errors
	}
	create := []byte(`{"tag_name":"drivers-1-1"}`)
	post("/repos/acme/drivers/releases", create)
	_, want := recorded(t, "create-release-tag-exists.json")
	if got := post("/repos/acme/drivers/releases", create); !reflect.DeepEqual(got, want) {
		t.Errorf("second create: %+v, GitHub answers %+v", got, want)
	}
	up := "/api/uploads/repos/acme/drivers/releases/1/assets?name="
	post(up+"a.deb", []byte("x"))
	_, want = recorded(t, "upload-asset-name-exists.json")
	if got := post(up+"a.deb", []byte("x")); !reflect.DeepEqual(got, want) {
		t.Errorf("same name: %+v, GitHub answers %+v", got, want)
	}
	_, want = recorded(t, "upload-asset-release-full.json")
	if got := post(up+"b.deb", []byte("x")); !reflect.DeepEqual(got, want) {
		t.Errorf("full release: %+v, GitHub answers %+v", got, want)
	}
}
