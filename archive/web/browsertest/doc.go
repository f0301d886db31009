// Package browsertest holds the browser tests of the web pages: a real
// server on port 0 over MinIO with the demo data set, driven by headless
// Chromium through chromedp. It has no code of its own outside the tests.
package browsertest
