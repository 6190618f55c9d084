package api

import (
	"io"
	"log/slog"
)

type errString string

func (e errString) Error() string { return string(e) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
