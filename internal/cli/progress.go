package cli

import (
	"log/slog"
	"os"
	stdsync "sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/qflow/qflow/internal/sync"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress shows a bar with ETA on a terminal, and a log line every few
// seconds otherwise.
type progress struct {
	mu      stdsync.Mutex
	log     *slog.Logger
	p       *mpb.Progress
	bar     *mpb.Bar
	lastLog time.Time
	last    sync.Progress
	total   int64  // the total the bar was last given
	label   string // what is counted: "assets", "hosts", "QIDs"
}

// progressGroup holds the bars of the runs of one sync: runs of different
// APIs go side by side, each with its own bar in one container.
type progressGroup struct {
	g   *globals
	log *slog.Logger
	p   *mpb.Progress // nil: log lines instead of bars
}

func newProgressGroup(g *globals, log *slog.Logger, bar bool) *progressGroup {
	pg := &progressGroup{g: g, log: log}
	if bar && g.env.IsTerminal {
		pg.p = mpb.New(mpb.WithOutput(g.env.Stderr), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	}
	return pg
}

// run returns the progress of one run, counting label.
func (pg *progressGroup) run(label string) *progress {
	return &progress{log: pg.log, lastLog: time.Now(), label: label, p: pg.p}
}

// wait returns once every bar is drawn complete.
func (pg *progressGroup) wait() {
	if pg.p != nil {
		pg.p.Wait()
	}
}

func (pr *progress) update(p sync.Progress) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.last = p
	if pr.p != nil {
		if pr.bar == nil {
			total := p.Total
			if total < 0 {
				total = 0
			}
			pr.bar = pr.p.AddBar(total,
				mpb.PrependDecorators(decor.Name(pr.label+" "), decor.CountersNoUnit("%d / %d")),
				mpb.AppendDecorators(decor.EwmaETA(decor.ET_STYLE_GO, 30), decor.Name(" "), decor.EwmaSpeed(0, "%.0f/s", 30)))
		}
		if p.Total > 0 && p.Total != pr.total && p.Total >= p.Counts.Seen {
			pr.bar.SetTotal(p.Total, false) // learnt while extracting (VMDR's host list)
		}
		pr.total = p.Total
		if p.Counts.Seen > pr.bar.Current() {
			if p.Counts.Seen > p.Total && p.Total >= 0 {
				pr.bar.SetTotal(p.Counts.Seen, false)
			}
			pr.bar.EwmaSetCurrent(p.Counts.Seen, time.Since(pr.lastLog))
			pr.lastLog = time.Now()
		}
		return
	}
	if time.Since(pr.lastLog) >= 5*time.Second {
		pr.lastLog = time.Now()
		pr.log.Info("progress", "counting", pr.label, "seen", p.Counts.Seen, "total", p.Total, "new", p.Counts.New, "updated", p.Counts.Updated,
			"unchanged", p.Counts.Unchanged, "quarantined", p.Counts.Quarantined)
	}
}

func (pr *progress) done() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.bar != nil {
		pr.bar.SetTotal(pr.last.Counts.Seen, true)
	}
}
