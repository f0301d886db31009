package http_test

import "testing"

func decodeWithGeneratedClient(t *testing.T, doc []byte, answers []answer) {}
