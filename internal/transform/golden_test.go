package transform

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden walks testdata/<case>/ (all but testdata/fuzz): map.yaml is
// loaded (absent: the default map of the source named in source.txt, CSAM
// when that is absent too) and input.json applied; the result must equal
// want.golden, or the error (of Load or Apply) want.err. A new case is new
// files, not code. Run with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatal("no golden cases under testdata/")
	}
	cat := model.NewCatalog()
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "fuzz" {
			continue // testdata/fuzz is the fuzzers' corpus
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			mapData, err := os.ReadFile(filepath.Join(dir, "map.yaml"))
			if os.IsNotExist(err) {
				source := model.SourceCSAM
				if b, serr := os.ReadFile(filepath.Join(dir, "source.txt")); serr == nil {
					source = model.Source(strings.TrimSpace(string(b)))
				}
				mapData, err = Default(source)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, gotErr := runCase(t, cat, dir, mapData)
			checkGolden(t, dir, got, gotErr)
		})
	}
}

// runCase returns the rendered record, or the error text.
func runCase(t *testing.T, cat *model.Catalog, dir string, mapData []byte) ([]byte, error) {
	c, err := Load(mapData, "map.yaml", cat)
	if err != nil {
		return nil, err
	}
	input, err := os.ReadFile(filepath.Join(dir, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Apply(input)
	ref, refErr := applyReference(c, input)
	if (err == nil) != (refErr == nil) {
		t.Errorf("Apply error %v, reference error %v", err, refErr)
	}
	if err != nil {
		return nil, err
	}
	checkTypes(t, cat, rec)
	got := renderRecord(rec)
	if refErr == nil {
		if diff := cmp.Diff(string(renderRecord(ref)), string(got)); diff != "" {
			t.Errorf("Apply differs from the reference decoder (-reference +apply):\n%s", diff)
		}
	}
	return got, nil
}

func checkGolden(t *testing.T, dir string, got []byte, gotErr error) {
	goldenPath, errPath := filepath.Join(dir, "want.golden"), filepath.Join(dir, "want.err")
	if *update {
		if gotErr != nil {
			os.Remove(goldenPath)
			writeFile(t, errPath, []byte(gotErr.Error()+"\n"))
		} else {
			os.Remove(errPath)
			writeFile(t, goldenPath, got)
		}
		return
	}
	wantErr, errMissing := os.ReadFile(errPath)
	switch {
	case errMissing == nil:
		if gotErr == nil {
			t.Fatalf("got a record, want error:\n%s", wantErr)
		}
		if diff := cmp.Diff(strings.TrimRight(string(wantErr), "\n"), gotErr.Error()); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
	case gotErr != nil:
		t.Fatalf("unexpected error: %v", gotErr)
	default:
		want, err := os.ReadFile(goldenPath)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("record mismatch (-want +got):\n%s", diff)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	// exactly one trailing newline
	if err := os.WriteFile(path, append(bytes.TrimRight(data, "\n"), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
