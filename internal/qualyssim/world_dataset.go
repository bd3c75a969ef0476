package qualyssim

import (
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The data set is generated on demand. At construction the simulator builds a
// compact index (assetMeta, ~32 bytes per asset) holding what filtering and
// paging need; a full asset record is regenerated from its own random streams
// every time it is served, so memory does not grow with the number of assets
// or with the size of their software lists.

// dataAnchor is the instant every generated date lies before, so that an
// incremental pull with assetLastUpdated=<now> returns nothing and output is
// byte-identical across runs. An injected clock earlier than this moves the
// anchor back (see newDataset).
var dataAnchor = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

const (
	firstAssetID = 60_000_000
	maxIDStep    = 5000
	msPerDay     = int64(24 * time.Hour / time.Millisecond)
	msPerHour    = int64(time.Hour / time.Millisecond)
)

// assetMeta is the per-asset index entry.
type assetMeta struct {
	lastMod   int64  // lastModifiedDate, unix ms
	tags      uint32 // bit k = tagDefs[k]
	sw        uint16 // number of software entries
	os        uint8  // index into osProfiles
	source    uint8  // srcAgent...
	cloud     uint8  // cloudNone...
	role      uint8  // roleNone...
	malformed uint8  // 0 = well-formed, else malformation kind (1..3)
	hostID    bool   // hostId present
}

// dataset is the immutable, seeded asset population of one subscription.
type dataset struct {
	seed     int64
	sub      int    // subscription index (0-based)
	w        *world // the server's subscriptions
	anchorMs int64
	ids      []int64
	meta     []assetMeta
	catalogs catalogs
	truth    Truth

	junkOnce sync.Once
	junkDone atomic.Bool
	junk     []int64 // see junkAssetIDs
	template []int64 // see junkAssetIDs
}

// newDataset builds the index of a single subscription of n assets. now is
// the server's clock at start.
func newDataset(seed int64, n int, malformedP float64, now time.Time) (*dataset, error) {
	w := newWorld(seed, 1, n, 0, 0)
	ds, err := w.newDataset(0, malformedP, now)
	if err != nil {
		return nil, err
	}
	w.ds = []*dataset{ds}
	return ds, nil
}

// newDataset builds the index of subscription s; the data sets of the
// subscriptions before it must be built already (twins copy their index
// entries).
func (w *world) newDataset(s int, malformedP float64, now time.Time) (*dataset, error) {
	var cats catalogs
	if s > 0 {
		cats = w.ds[0].catalogs
	} else {
		var err error
		if cats, err = parseCatalogs(); err != nil {
			return nil, err
		}
	}
	anchor := dataAnchor
	if now.Before(anchor.Add(time.Hour)) {
		anchor = now.UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	}
	seed, n := w.seeds[s], w.n
	ds := &dataset{
		seed:     seed,
		sub:      s,
		w:        w,
		anchorMs: anchor.UnixMilli(),
		ids:      make([]int64, n),
		meta:     make([]assetMeta, n),
		catalogs: cats,
	}
	totalWeight := 0
	for _, p := range osProfiles {
		totalWeight += p.weight
	}
	var pcg rand.PCG
	r := rand.New(&pcg)
	id := w.assetBase(s)
	ds.truth = Truth{Seed: seed, AssetIDs: make([]int64, 0, n), MalformedAssetIDs: []int64{}}
	for i := range n {
		seedStream(&pcg, seed, i, "core")
		id += 1 + r.Int64N(maxIDStep)
		ds.ids[i] = id
		m := &ds.meta[i]
		if rs := w.root(s, i); rs != s {
			// A twin: the same machine as slot i of its root subscription.
			*m = w.ds[rs].meta[i]
			m.malformed = 0
		} else {
			wt := r.IntN(totalWeight)
			for k, p := range osProfiles {
				if wt < p.weight {
					m.os = uint8(k)
					break
				}
				wt -= p.weight
			}
			p := &osProfiles[m.os]
			coreMeta(r, p, m, ds.anchorMs)
			m.sw = uint16(ds.softwareCount(r, p))
		}
		if malformedP > 0 {
			h := hashKey(uint64(seed), "malformed", uint64(id))
			if unitFloat(h) < malformedP {
				m.malformed = uint8(1 + mix64(h)%3)
			}
		}
		if m.malformed != 0 {
			ds.truth.MalformedAssetIDs = append(ds.truth.MalformedAssetIDs, id)
			continue
		}
		ds.truth.AssetIDs = append(ds.truth.AssetIDs, id)
		ds.truth.SoftwareInstalls += int(m.sw)
	}
	ds.truth.Assets = len(ds.truth.AssetIDs)
	return ds, nil
}

// coreMeta draws the indexed attributes of one asset.
func coreMeta(r *rand.Rand, p *osProfile, m *assetMeta, anchorMs int64) {
	switch {
	case p.family == famNetwork:
		m.source = srcScanner
	case p.family == famUnix:
		m.source = pick(r, []uint8{srcAgent, srcScanner})
	case p.server && r.IntN(100) < 4:
		m.source = srcEASM
	default:
		if p.server && p.family != famMac && r.IntN(100) < 25 {
			m.cloud = pickWeighted(r, []uint8{cloudAWS, cloudAzure, cloudGCP}, []int{60, 25, 15})
		}
		switch {
		case m.cloud != cloudNone && r.IntN(100) < 35:
			m.source = srcConnector
		case r.IntN(100) < 75:
			m.source = srcAgent
		default:
			m.source = srcScanner
		}
	}
	switch {
	case m.source == srcEASM:
		m.role = roleWeb
	case !p.server:
		m.role = roleNone
	case p.family == famWindows:
		m.role = pickWeighted(r, []uint8{roleWeb, roleDB, roleApp, roleFile, roleDC, roleInfra}, []int{25, 20, 25, 15, 8, 7})
	case p.family == famLinux:
		m.role = pickWeighted(r, []uint8{roleWeb, roleDB, roleApp, roleContainer, roleInfra}, []int{25, 15, 25, 20, 15})
	default:
		m.role = pickWeighted(r, []uint8{roleDB, roleApp}, []int{50, 50})
	}
	m.lastMod = (anchorMs - msPerHour - r.Int64N(365*msPerDay)) / 1000 * 1000
	m.hostID = m.source != srcEASM && m.source != srcConnector && r.IntN(100) >= 3
	m.tags = assignTags(r, p, m, anchorMs)
}

func assignTags(r *rand.Rand, p *osProfile, m *assetMeta, anchorMs int64) uint32 {
	var t uint32
	set := func(k int) { t |= 1 << k }
	if m.source == srcAgent {
		set(tagCloudAgent)
	}
	switch {
	case p.family == famNetwork:
		set(tagNetworkDevices)
	case p.family == famMac:
		set(tagMacOS)
		set(tagWorkstations)
	case p.family == famWindows && p.server:
		set(tagWindowsServers)
	case p.family == famLinux && p.server:
		set(tagLinuxServers)
	case !p.server:
		set(tagWorkstations)
	}
	if !p.server && p.family != famNetwork && r.IntN(100) < 40 {
		set(tagRemoteWorkers)
	}
	if p.server || p.family == famNetwork {
		switch e := r.IntN(100); {
		case e < 60:
			set(tagProduction)
		case e < 75:
			set(tagStaging)
		case e < 92:
			set(tagDevelopment)
		default:
			set(tagTestLab)
		}
		if m.cloud == cloudNone {
			set(pick(r, []int{tagDCEast, tagDCWest}))
		}
	}
	switch m.cloud {
	case cloudAWS:
		set(tagAWS)
	case cloudAzure:
		set(tagAzure)
	case cloudGCP:
		set(tagGCP)
	}
	switch m.role {
	case roleDC:
		set(tagDomainControllers)
		set(tagBusinessCritical)
	case roleDB:
		set(tagDatabaseServers)
	case roleWeb:
		set(tagWebServers)
		if r.IntN(100) < 30 {
			set(tagInternetFacing)
			set(tagDMZ)
		}
	case roleContainer:
		set(tagContainerHosts)
	}
	if m.source == srcEASM {
		set(tagInternetFacing)
		set(tagShodan)
	}
	if r.IntN(100) < 10 {
		set(tagPCI)
	}
	if r.IntN(100) < 8 {
		set(tagFinance)
	}
	if r.IntN(100) < 5 {
		set(tagHR)
	}
	if r.IntN(100) < 6 {
		set(tagBusinessCritical)
	}
	if p.eolDate != "" && dateMs(p.eolDate) < anchorMs {
		set(tagEOLOS)
	}
	return t
}

// softwareCount draws the number of software entries, bounded by the catalog.
func (ds *dataset) softwareCount(r *rand.Rand, p *osProfile) int {
	lo, hi := 20, 60
	switch {
	case p.family == famWindows && p.server:
		lo, hi = 40, 200
	case p.family == famWindows:
		lo, hi = 60, 300
	case p.family == famLinux:
		lo, hi = 80, 300
	case p.family == famMac:
		lo, hi = 25, 80
	case p.family == famNetwork:
		lo, hi = 20, 32
	case p.family == famUnix:
		lo, hi = 40, 70
	}
	u := r.Float64()
	n := lo + int(float64(hi-lo)*u*u)
	return min(n, ds.catalogs.capacity(p))
}

// search returns the indexes of the first pageSize assets with id > after that
// match, and whether more matching assets follow.
func (ds *dataset) search(after int64, pageSize int, match func(i int) bool) (page []int, more bool) {
	start := sort.Search(len(ds.ids), func(i int) bool { return ds.ids[i] > after })
	for i := start; i < len(ds.ids); i++ {
		if !match(i) {
			continue
		}
		if len(page) == pageSize {
			return page, true
		}
		page = append(page, i)
	}
	return page, false
}

// count returns how many assets with id > after match.
func (ds *dataset) count(after int64, match func(i int) bool) int {
	start := sort.Search(len(ds.ids), func(i int) bool { return ds.ids[i] > after })
	n := 0
	for i := start; i < len(ds.ids); i++ {
		if match(i) {
			n++
		}
	}
	return n
}

// --- deterministic hashing and random streams ---

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashString continues an FNV-1a hash over s.
func hashString(h uint64, s string) uint64 {
	if h == 0 {
		h = 14695981039346656037
	}
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// hashKey mixes a seed, a label and a number into one well-distributed value.
func hashKey(seed uint64, label string, n uint64) uint64 {
	return mix64(hashString(mix64(seed^0x5151f00d), label) ^ mix64(n+0x9e3779b97f4a7c15))
}

// unitFloat maps a hash to [0,1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// seedStream resets pcg to the stream named label of asset i.
func seedStream(pcg *rand.PCG, seed int64, i int, label string) {
	pcg.Seed(hashKey(uint64(seed), label, uint64(i)), mix64(uint64(i)^0xa0761d6478bd642f))
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pickWeighted[T any](r *rand.Rand, xs []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return xs[i]
		}
		n -= w
	}
	return xs[len(xs)-1]
}

// --- dates ---

const isoMillis = "2006-01-02T15:04:05.000Z"

// isoMs formats unix milliseconds as "2006-01-02T15:04:05.000Z" (UTC); it is
// the hot path of record generation, hence hand-written.
func isoMs(ms int64) string {
	if ms < 0 || ms >= 253402300800000 { // outside years 1970..9999
		return time.UnixMilli(ms).UTC().Format(isoMillis)
	}
	b := isoMsBytes(ms)
	return string(b[:])
}

// isoMsBytes renders ms (years 1970..9999) as isoMs does, without allocating.
func isoMsBytes(ms int64) (b [24]byte) {
	days, rem := ms/msPerDay, ms%msPerDay
	// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	put := func(at int, v int64, width int) {
		for k := width - 1; k >= 0; k-- {
			b[at+k] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, m, 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, rem/3600000, 2)
	b[13] = ':'
	put(14, rem/60000%60, 2)
	b[16] = ':'
	put(17, rem/1000%60, 2)
	b[19] = '.'
	put(20, rem%1000, 3)
	b[23] = 'Z'
	return b
}

func dateMs(d string) int64 {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return 0
	}
	return t.UnixMilli()
}

func isoDate(d string) *string {
	if d == "" {
		return nil
	}
	s := d + "T00:00:00.000Z"
	return &s
}
