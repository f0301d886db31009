// Package packages exports archived files as self-checking zip packages
// and imports them into another store, checking everything first.
package packages
