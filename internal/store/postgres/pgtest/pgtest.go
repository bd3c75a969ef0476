// Package pgtest gives tests a PostgreSQL database of their own.
//
// URL connects to the server named by QFLOW_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), whose user
// must be allowed to create databases, creates a fresh database for the
// test and drops it when the test ends. Where no server answers, the test
// is skipped with a message saying how to run it, except in CI (CI=true),
// where it fails: there PostgreSQL must be running.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the server tests use.
const EnvURL = "QFLOW_TEST_DATABASE_URL"

// DefaultURL is the server tests use when EnvURL is unset: a local
// PostgreSQL with trust authentication.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// URL creates a database named qflow_test_<random> for the test, drops it
// (WITH (FORCE)) when the test ends, and returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		base = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := "PostgreSQL is not reachable at " + redact(base) + ": " + err.Error() +
			"\nto run these tests, start PostgreSQL (user postgres, trust authentication on 127.0.0.1:5432) or set " +
			EnvURL + " to the URL of a server where the user may create databases"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "qflow_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v (may the user create databases?)", name, redact(base), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, base, name)
}

// withDatabase returns the connection string base naming database name.
func withDatabase(t testing.TB, base, name string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("pgtest: %s: %v", EnvURL, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		q := u.Query()
		if q.Has("dbname") {
			q.Set("dbname", name)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	// keyword=value: a later dbname wins.
	return base + " dbname=" + name
}

var passwordKV = regexp.MustCompile(`(?i)(password\s*=\s*)\S+`)

// redact returns a connection string without its password.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return passwordKV.ReplaceAllString(s, "${1}xxxxx")
}
