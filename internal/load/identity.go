package load

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
)

// txIndex is an identify.Index over the store's identifiers, read inside
// the batch's transaction so that records of the same batch see each other.
// Learned and manual junk never matches.
type txIndex struct{ p *planner }

func (x txIndex) isJunk(a identify.Attribute, v string) bool {
	return x.p.junk[store.Identifier{Attribute: string(a), Value: v}]
}

func (x txIndex) Assets(ctx context.Context, a identify.Attribute, value string) ([]int64, error) {
	if x.isJunk(a, value) {
		return nil, nil
	}
	if got, ok := x.p.look.assets(store.Identifier{Attribute: string(a), Value: value}); ok {
		return got, nil
	}
	return x.p.tx.AssetsWith(ctx, string(a), value)
}

func (x txIndex) Values(ctx context.Context, asset int64, a identify.Attribute) ([]string, error) {
	vals, err := x.p.tx.AssetValues(ctx, asset, string(a))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(vals, func(v string) bool { return x.isJunk(a, v) }), nil
}

// Carriers answers identify.Carriers for the run's subscription.
func (x txIndex) Carriers(ctx context.Context, a identify.Attribute, value string, limit int) (identify.Identifiers, error) {
	m, cached := x.p.look.carriers(store.Identifier{Attribute: string(a), Value: value}, limit)
	if !cached {
		var err error
		if m, err = x.p.tx.Carriers(ctx, x.p.run.Subscription, string(a), value, limit); err != nil {
			return nil, err
		}
	}
	out := identify.Identifiers{}
	for k, vs := range m {
		if cached {
			vs = slices.Clone(vs) // the caller may keep or change it
		}
		out[identify.Attribute(k)] = vs
	}
	return out, nil
}

// lookups are the answers of one store.Tx.LookupIdentifiers, fetched for
// the lookups identification is about to make, so that a store over a
// network answers a record's lookups in one round trip instead of one
// each. They hold only as long as nothing is written: the planner fetches
// them right before the reads and drops them before its next write.
type lookups struct {
	ans   store.IdentifierAnswers
	asked map[store.Identifier]uint8 // askedAssets | askedCarriers
	limit int
}

const (
	askedAssets uint8 = 1 << iota
	askedCarriers
)

// assets returns the answer of AssetsWith(id) if it was fetched.
func (l *lookups) assets(id store.Identifier) ([]int64, bool) {
	if l == nil || l.asked[id]&askedAssets == 0 {
		return nil, false
	}
	return slices.Clone(l.ans.Assets[id]), true
}

// carriers returns the answer of Carriers(id, limit) if it was fetched.
func (l *lookups) carriers(id store.Identifier, limit int) (map[string][]string, bool) {
	if l == nil || l.asked[id]&askedCarriers == 0 || limit != l.limit {
		return nil, false
	}
	return l.ans.Carriers[id], true
}

// remote is implemented by a store.Tx each of whose calls is a round trip
// to a database server (PostgreSQL's): identification then fetches a
// record's lookups at once. In process (SQLite), asking them one at a time
// as identification goes costs less than gathering them.
type remote interface{ Remote() bool }

// fetch answers at once, when the store's calls are round trips, the
// lookups of ids (without the junk values) that identification is about
// to make: those of LearnJunk's carriers when carriers is set, those of
// Resolve's assets when assets is set; see lookups.
func (p *planner) fetch(ids identify.Identifiers, carriers, assets bool) error {
	p.look = nil
	if !p.remote {
		return nil
	}
	q := store.IdentifierLookup{Subscription: p.run.Subscription, Limit: p.policy.JunkThreshold + 1}
	asked := map[store.Identifier]uint8{}
	add := func(ids identify.Identifiers, bit uint8, to *[]store.Identifier) {
		for _, a := range identify.Attributes {
			for _, v := range ids[a] {
				id := store.Identifier{Attribute: string(a), Value: v}
				if p.junk[id] || asked[id]&bit != 0 {
					continue
				}
				asked[id] |= bit
				*to = append(*to, id)
			}
		}
	}
	if carriers {
		add(identify.CarrierQueries(p.s.rules, p.policy, ids), askedCarriers, &q.Carriers)
	}
	if assets {
		add(identify.AssetQueries(p.s.rules, ids), askedAssets, &q.Assets)
	}
	if len(asked) == 0 {
		return nil
	}
	ans, err := p.tx.LookupIdentifiers(p.ctx, q)
	if err != nil {
		return fmt.Errorf("look up identifiers: %w", err)
	}
	p.look = &lookups{ans: ans, asked: asked, limit: q.Limit}
	return nil
}

// flatten lists identifiers as store rows.
func flatten(ids identify.Identifiers) []store.Identifier {
	var out []store.Identifier
	for a, vs := range ids {
		for _, v := range vs {
			out = append(out, store.Identifier{Attribute: string(a), Value: v})
		}
	}
	slices.SortFunc(out, func(x, y store.Identifier) int {
		if x.Attribute != y.Attribute {
			if x.Attribute < y.Attribute {
				return -1
			}
			return 1
		}
		switch {
		case x.Value < y.Value:
			return -1
		case x.Value > y.Value:
			return 1
		}
		return 0
	})
	return out
}

// identifiers returns the identifiers of rec (all, to be saved) and those
// that may match (without junk). Values that this record shows to be shared
// by more machines than the threshold are learned as junk first, and the
// assets whose records they held together are re-decided (split where
// nothing else holds them together). The lookups are fetched at once (see
// lookups), with those of the assets too when withAssets is set (nothing
// is written before the record is resolved).
func (p *planner) identifiers(rec *model.Record, withAssets bool) (all, usable identify.Identifiers, err error) {
	all = identify.Of(rec, p.run.Subscription)
	var known []identify.Junk
	for a, vs := range all {
		for _, v := range vs {
			if p.junk[store.Identifier{Attribute: string(a), Value: v}] {
				known = append(known, identify.Junk{Attribute: a, Value: v})
			}
		}
	}
	ids := all.Without(known)
	if err := p.fetch(ids, true, withAssets); err != nil {
		return nil, nil, err
	}
	learned, err := identify.LearnJunk(p.ctx, p.s.rules, p.policy, ids, txIndex{p})
	if err != nil {
		return nil, nil, err
	}
	if len(learned) > 0 {
		p.look = nil // learning writes
	}
	for _, j := range learned {
		if err := p.learnJunk(j); err != nil {
			return nil, nil, err
		}
	}
	return all, ids.Without(learned), nil
}

// learnJunk records a learned junk value and re-decides the grouping of the
// records that carry it.
func (p *planner) learnJunk(j identify.Junk) error {
	p.s.log.Warn("identification: a value shared by many machines is junk from now on",
		"attribute", j.Attribute, "value", j.Value, "machines", j.Machines, "subscription", p.run.Subscription)
	err := p.tx.AddJunk(p.ctx, store.JunkEntry{Attribute: string(j.Attribute), Value: j.Value, Origin: "learned", Machines: int64(j.Machines),
		Subscription: p.run.Subscription, RunID: p.run.ID, At: timeText(p.now)})
	if err != nil {
		return fmt.Errorf("learn junk %s %q: %w", j.Attribute, j.Value, err)
	}
	p.junk[store.Identifier{Attribute: string(j.Attribute), Value: j.Value}] = true
	assets, err := p.tx.AssetsWith(p.ctx, string(j.Attribute), j.Value)
	if err != nil {
		return err
	}
	for _, a := range assets {
		if err := p.regroup(a); err != nil {
			return fmt.Errorf("re-decide asset %d: %w", a, err)
		}
	}
	return nil
}

// regroup splits an asset whose records are no longer held together by
// any identifier that is not junk: the records of the oldest stay, each
// other group of records becomes a new asset (an asset_split change).
func (p *planner) regroup(asset int64) error {
	recs, err := p.tx.AssetRecords(p.ctx, asset)
	if err != nil || len(recs) < 2 {
		return err
	}
	ids := make([]identify.Identifiers, len(recs))
	for i, r := range recs {
		m := identify.Identifiers{}
		for _, id := range r.Identifiers {
			if !p.junk[id] {
				a := identify.Attribute(id.Attribute)
				m[a] = append(m[a], id.Value)
			}
		}
		ids[i] = m
	}
	groups := identify.Group(p.s.rules, p.policy, ids)
	for _, g := range groups[1:] {
		newID, err := p.tx.CopyAsset(p.ctx, asset)
		if err != nil {
			return fmt.Errorf("insert split asset: %w", err)
		}
		var moved []int64
		for _, i := range g {
			moved = append(moved, recs[i].RecordID)
		}
		// Rows of moved records planned earlier in this batch must move
		// too: apply them first.
		if err := p.flush(); err != nil {
			return err
		}
		if err := p.tx.MoveRecords(p.ctx, moved, newID); err != nil {
			return err
		}
		p.s.log.Info("identification: records split off an asset", "asset", asset, "new_asset", newID, "records", len(moved))
		p.ws.Changes = append(p.ws.Changes, store.ChangeWrite{Kind: store.ChangeAssetSplit, AssetID: newID, RecordID: moved[0], Old: strconv.FormatInt(asset, 10)})
	}
	return nil
}

// merge makes the assets others one with survivor (the oldest); an
// asset_merged change names each.
func (p *planner) merge(survivor int64, others []int64, recordID int64) error {
	if len(others) == 0 {
		return nil
	}
	// Changes planned in this batch without a record name their asset
	// directly: apply them before the asset goes.
	if err := p.flush(); err != nil {
		return err
	}
	if err := p.tx.MergeAssets(p.ctx, survivor, others); err != nil {
		return fmt.Errorf("merge assets %v into %d: %w", others, survivor, err)
	}
	for _, o := range others {
		p.s.log.Info("identification: a record links two assets: merged", "asset", survivor, "merged", o)
		p.ws.Changes = append(p.ws.Changes, store.ChangeWrite{Kind: store.ChangeAssetMerged, AssetID: survivor, RecordID: recordID, Old: strconv.FormatInt(o, 10)})
	}
	return nil
}

// identify decides the asset of a new source record by the identification
// rules (an existing asset's ID, or 0 for a new one; Decision.Merge the
// other assets it links) and returns the record's identifiers to save.
func (p *planner) identify(rec *model.Record) (identify.Identifiers, identify.Decision, error) {
	all, usable, err := p.identifiers(rec, true)
	if err != nil {
		return nil, identify.Decision{}, err
	}
	d, err := identify.Resolve(p.ctx, p.s.rules, p.policy, usable, txIndex{p})
	p.look = nil
	if err != nil {
		return nil, identify.Decision{}, err
	}
	return all, d, nil
}

// relink saves the identifiers of an existing record whose content changed
// and merges the assets they now link to its asset (the older survives).
func (p *planner) relink(rec *model.Record, recordID, assetID int64) error {
	all, usable, err := p.identifiers(rec, false)
	if err != nil {
		return err
	}
	p.look = nil
	if err := p.tx.SaveIdentifiers(p.ctx, recordID, assetID, flatten(all)); err != nil {
		return fmt.Errorf("save identifiers: %w", err)
	}
	if err := p.fetch(usable, false, true); err != nil {
		return err
	}
	d, err := identify.Resolve(p.ctx, p.s.rules, p.policy, usable, txIndex{p})
	p.look = nil
	if err != nil {
		return err
	}
	group := append([]int64{d.AssetID}, d.Merge...)
	if d.New() || !slices.Contains(group, assetID) || len(group) == 1 {
		return nil // nothing new is linked (or the asset conflicts with itself: leave it)
	}
	slices.Sort(group)
	return p.merge(group[0], group[1:], recordID)
}

// conflicts plans the vetoes of a decision and the candidates it kept
// apart from the chosen asset.
func (p *planner) conflicts(recordID, assetID int64, rec *model.Record, d identify.Decision) {
	for _, v := range d.Vetoes {
		p.s.log.Info("identification: candidate vetoed, a machine identifier differs",
			"source", rec.Source, "native_key", rec.NativeKey, "rule", v.Rule, "candidate", v.AssetID, "attribute", v.Attribute, "value", v.Value, "asset_value", v.AssetValue)
		p.ws.Conflicts = append(p.ws.Conflicts, store.ConflictWrite{Kind: "veto", RecordID: recordID, Rule: v.Rule, Chosen: assetID,
			Candidates: fmt.Sprintf("[%d]", v.AssetID), Attribute: string(v.Attribute), Value: v.Value, OtherValue: v.AssetValue, OtherAsset: v.AssetID})
	}
	if len(d.Candidates) > 1 {
		c, _ := json.Marshal(d.Candidates)
		p.s.log.Warn("identification conflict: the record matched assets that conflict with each other; they stay apart",
			"source", rec.Source, "native_key", rec.NativeKey, "rule", d.Rule, "chosen", assetID, "candidates", string(c))
		for _, o := range d.Candidates {
			if o == assetID {
				continue
			}
			p.ws.Conflicts = append(p.ws.Conflicts, store.ConflictWrite{Kind: "apart", RecordID: recordID, Rule: d.Rule, Chosen: assetID,
				Candidates: string(c), OtherAsset: o})
		}
	}
}
