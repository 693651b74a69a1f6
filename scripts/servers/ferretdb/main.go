// Command thidua-ferretdb runs FerretDB (a MongoDB wire-protocol server) on
// top of SQLite, for development and tests on machines without mongod.
//
// Why our own main instead of upstream's cmd/ferretdb: upstream's command
// reads a build/version/version.txt that is generated at release time and is
// not part of the Go module zip, so `go install .../cmd/ferretdb` panics at
// start. The embeddable package github.com/FerretDB/FerretDB/ferretdb does not
// need that file.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	dataDir := flag.String("sqlite-dir", "", "directory holding one SQLite file per database (required)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *dataDir, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "thidua-ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, logLevel string) error {
	if dataDir == "" {
		return fmt.Errorf("-sqlite-dir is required")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level %q: %w", logLevel, err)
	}

	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("cannot create SQLite directory: %w", err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  "sqlite",
		// FerretDB wants a file: URI naming a directory; the trailing slash
		// is what tells it this is a directory and not a database file.
		SQLiteURL: "file:" + strings.TrimSuffix(abs, "/") + "/",
	})
	if err != nil {
		return err
	}

	// Our TypeScript launcher stops us with SIGTERM; cancelling the context
	// lets FerretDB close its listener and flush SQLite cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger.Info("thidua-ferretdb starting", "listen", listen, "sqlite", abs)

	return f.Run(ctx)
}
