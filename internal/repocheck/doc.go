// Package repocheck holds tests about the repository itself: every package
// documented, no machine-specific paths, no forbidden imports.
package repocheck
