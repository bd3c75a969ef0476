package qualys

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var searchPageSeeds = []string{
	`{"responseCode":"SUCCESS","count":2,"hasMore":1,"lastSeenAssetId":11,"assetListData":{"asset":[{"assetId":10,"name":"a"},{"assetId":11,"x":[1,2.5e3,-0.1,true,false,null,{"k":"\u00e9\"\\/\b\f\n\r\t"}]}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":null}`,
	`{"responseCode":"SUCCESS","hasMore":"0","assetListData":{"asset":null,"other":{}}}`,
	`{"responseCode":"SUCCESS","hasMore":false,"assetListData":{"asset":[]}}` + "\n<!-- trailing -->",
	` { "hasMore" : true , "lastSeenAssetId" : "7" , "responseCode" : "SUCCESS" , "assetListData" : { "asset" : [ { "assetId" : 7 } ] } } `,
	`{"responseCode":"INVALID_REQUEST","responseMessage":"bad","hasMore":0}`,
	`{"responseCode":"SUCCESS","hasMore":2}`,
	`{"responseCode":"SUCCESS","hasMore":1}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"assetId":1},]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"assetId":01}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"a":"tab	inside"}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"a":"\x"}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"a":1.}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"a":tru}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"a" 1}]}}`,
	`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"assetId":3}`,
	`{"resp\u006fnseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"\u0061ssetId":3,"b":"\ud800"}]}}`,
	`[]`,
	``,
}

// spoolClient is a client that spools to a test directory.
func spoolClient(t testing.TB, compress bool) *Client {
	return &Client{spoolDir: t.TempDir(), spoolGzip: compress, log: slog.New(slog.DiscardHandler)}
}

// fastPage decodes page through the spool and the scanner, reading every
// asset as the Assets iterator does. It checks that the IDs the page gives
// before its assets are read (assetIDs) are those of the assets read.
func fastPage(t testing.TB, c *Client, r io.Reader) (*searchPage, error) {
	p, err := c.readSearchPage(r, "op")
	if err != nil {
		return nil, err
	}
	ids := p.assetIDs()
	var (
		all  []Asset
		read []int64
	)
	for a, err := range p.each() {
		if err != nil {
			t.Fatalf("reading the spooled page again: %v", err)
		}
		all = append(all, a)
		read = append(read, a.ID)
	}
	if !slices.Equal(ids, read) {
		t.Fatalf("the page's IDs before reading %v, its assets' %v", ids, read)
	}
	p.assets, p.ids = all, nil
	return p, nil
}

// The fast path and encoding/json's agree on every page: the same assets
// (same bytes, same ids), cursor and hasMore, or the same error.
func FuzzSearchPageDecoders(f *testing.F) {
	for _, s := range searchPageSeeds {
		f.Add(s)
	}
	c := spoolClient(f, false)
	f.Fuzz(func(t *testing.T, page string) {
		slow, serr := decodeSearchPage(strings.NewReader(page), "op")
		fast, ferr := fastPage(t, c, strings.NewReader(page))
		if (serr == nil) != (ferr == nil) || (serr != nil && serr.Error() != ferr.Error()) {
			t.Fatalf("errors differ: slow %v, fast %v", serr, ferr)
		}
		if serr == nil && !reflect.DeepEqual(slow, fast) {
			t.Fatalf("pages differ:\nslow %+v\nfast %+v", slow, fast)
		}
		// Whenever encoding/json accepts it, the scanner does so alone.
		if _, ok := scanSearchPage(newStreamScanner(strings.NewReader(page)), false); !ok && serr == nil {
			t.Fatalf("scanner refused a page encoding/json accepts")
		}
	})
}

func TestSearchPageDecodersAgree(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		c := spoolClient(t, compress)
		for i, s := range searchPageSeeds {
			t.Run(fmt.Sprintf("compress=%v/%d", compress, i), func(t *testing.T) {
				slow, serr := decodeSearchPage(strings.NewReader(s), "op")
				fast, ferr := fastPage(t, c, strings.NewReader(s))
				if (serr == nil) != (ferr == nil) || (serr != nil && serr.Error() != ferr.Error()) {
					t.Fatalf("errors differ: slow %v, fast %v", serr, ferr)
				}
				if !reflect.DeepEqual(slow, fast) {
					t.Fatalf("pages differ:\nslow %+v\nfast %+v", slow, fast)
				}
			})
		}
		// A read error mid-page is the slow path's error, at the same point.
		page := searchPageSeeds[0]
		boom := errors.New("connection reset")
		_, serr := decodeSearchPage(io.MultiReader(strings.NewReader(page[:40]), errReader{boom}), "op")
		_, ferr := fastPage(t, c, io.MultiReader(strings.NewReader(page[:40]), errReader{boom}))
		if serr == nil || ferr == nil || serr.Error() != ferr.Error() || !errors.Is(ferr, boom) {
			t.Errorf("read error: slow %v, fast %v", serr, ferr)
		}
		if files, _ := os.ReadDir(c.spoolDir); len(files) != 0 {
			t.Errorf("spool files left: %v", files)
		}
	}
	// The scanner alone decodes a valid page, across window boundaries.
	var b strings.Builder
	b.WriteString(`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"assetId":%d,"s":"%s\"\u00e9","n":-12.5e+3,"l":[true,false,null,{}]}`, i+1, strings.Repeat("x", i%500))
	}
	b.WriteString(`]}}`)
	var n int
	s := newStreamScanner(strings.NewReader(b.String()))
	s.yield = func(a Asset) bool {
		n++
		if a.ID != int64(n) || !json.Valid(a.Raw) {
			t.Fatalf("asset %d: id %d, %q", n, a.ID, a.Raw)
		}
		return true
	}
	if _, ok := scanSearchPage(s, true); !ok || n != 3000 {
		t.Errorf("scanner: %d assets, %v", n, ok)
	}
	// A consumer that stops early leaves no spool file.
	c := spoolClient(t, false)
	p, err := c.readSearchPage(strings.NewReader(b.String()), "op")
	if err != nil {
		t.Fatal(err)
	}
	for range p.each() {
		break
	}
	if files, _ := os.ReadDir(c.spoolDir); len(files) != 0 {
		t.Errorf("spool files left after a break: %v", files)
	}
}

// BenchmarkScanSearchPage scans a page shaped like CSAM's (many short
// keys and values), checking only and with every asset copied out.
func BenchmarkScanSearchPage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"responseCode":"SUCCESS","count":300,"hasMore":0,"assetListData":{"asset":[`)
	for i := range 300 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"assetId":%d,"name":"host-%d","softwareListData":{"software":[`, i+1, i)
		for j := range 120 {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"fullName":"Package %d","product":"pkg%d","version":"1.%d.3","publisher":"Vendor","installDate":"2025-01-02T03:04:05.000+00:00","lifecycle":{"stage":"GA","eol":null},"isIgnored":false,"category":"Tools / Utilities","id":%d}`, j, j, j, 1000+j)
		}
		sb.WriteString(`]}}`)
	}
	sb.WriteString(`]}}`)
	page := sb.String()
	for _, assets := range []bool{false, true} {
		b.Run(fmt.Sprintf("assets=%v", assets), func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				s := newStreamScanner(strings.NewReader(page))
				s.yield = func(Asset) bool { return true }
				if _, ok := scanSearchPage(s, assets); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if _, err := decodeSearchPage(strings.NewReader(page), "op"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
