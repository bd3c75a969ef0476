package qualys_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
)

// Walk every asset with parallel cursors, here against the simulator.
func ExampleCSAMService_AssetsParallel() {
	sim, err := qualyssim.New(qualyssim.Config{Assets: 50, Seed: 1})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	user, pass := sim.Credentials()

	c, err := qualys.NewClient(qualys.Options{GatewayURL: srv.URL, Username: user, Password: secret.New(pass)})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	q := qualys.AssetQuery{PageSize: 10, IncludeFields: []string{"assetName"}}
	total, err := c.CSAM.Count(ctx, q)
	if err != nil {
		panic(err)
	}
	ranges, err := c.CSAM.SplitRanges(ctx, q, 4)
	if err != nil {
		panic(err)
	}
	n := 0
	for a, err := range c.CSAM.AssetsParallel(ctx, q, ranges, 2) {
		if err != nil {
			panic(err)
		}
		_ = a.Raw // the asset object exactly as received
		n++
	}
	fmt.Printf("%d assets counted, %d walked in %d ranges\n", total, n, len(ranges))
	// Output: 50 assets counted, 50 walked in 4 ranges
}
