package vti

// ErrHandler exposes vti4_err to the external tests.
var ErrHandler = errHandler
