package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// csamSoftware is a CSAM asset with installs given as "name version path".
func csamSoftware(id int, installs ...string) string {
	items := make([]string, len(installs))
	for i, in := range installs {
		f := strings.Fields(in)
		items[i] = fmt.Sprintf(`{"fullName":%q,"version":%q,"installPath":%q}`, f[0], f[1], f[2])
	}
	return fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","softwareListData":{"software":[%s]}}`, id, id, strings.Join(items, ","))
}

// The top lists of the summary count each asset (host) once per software
// name (QID), however many versions, install paths (ports) it has, and
// break ties by name (QID).
func testTopLists(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	runDocs(t, st, model.SourceCSAM, sync.ModeFull,
		csamSoftware(1, "Java 8 /opt/j8", "Java 11 /opt/j11", "Zed 1.0 /a", "Zed 1.0 /b", "Alpha 1.0 /x"),
		csamSoftware(2, "Java 8 /opt/j8", "Alpha 1.0 /x", "Zed 1.0 /a"),
		csamSoftware(3, "Beta 1.0 /b1", "Beta 2.0 /b2", "Beta 3.0 /b3"),
		csamSoftware(4, "Alpha 2.0 /y"))
	runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, det(100, 22, "Active"), det(100, 443, "Active"), det(101, 0, "Fixed"), det(102, 80, "Active")),
		host(2, det(100, 22, "New"), det(102, 80, "Active")),
		host(3, det(103, 1, "Active"), det(103, 2, "Re-Opened"), det(103, 3, "New")))
	for _, c := range []struct {
		name string
		read func(n int) ([]store.NameCount, error)
		n    int
		want []store.NameCount
	}{
		{"software", func(n int) ([]store.NameCount, error) { return st.TopSoftware(ctx, n) }, 2,
			[]store.NameCount{{Name: "Alpha", Count: 3}, {Name: "Java", Count: 2}}},
		{"software", func(n int) ([]store.NameCount, error) { return st.TopSoftware(ctx, n) }, 10,
			[]store.NameCount{{Name: "Alpha", Count: 3}, {Name: "Java", Count: 2}, {Name: "Zed", Count: 2}, {Name: "Beta", Count: 1}}},
		{"QIDs", func(n int) ([]store.NameCount, error) { return st.TopQIDs(ctx, n) }, 1,
			[]store.NameCount{{Name: "100", Count: 2}}},
		{"QIDs", func(n int) ([]store.NameCount, error) { return st.TopQIDs(ctx, n) }, 10,
			[]store.NameCount{{Name: "100", Count: 2}, {Name: "102", Count: 2}, {Name: "103", Count: 1}}},
	} {
		got, err := c.read(c.n)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("top %d %s (-want +got):\n%s", c.n, c.name, diff)
		}
	}
}
