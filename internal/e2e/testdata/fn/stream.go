package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdaurl"
)

// startStream serves the streaming tests with aws-lambda-go's own
// streaming support (lambdaurl): the first chunk goes out at once, the
// second only when the file named by ?marker exists, so a client that got
// the first chunk proves it arrived while the function was still running.
func startStream() {
	lambdaurl.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Stream", "yes")
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "first chunk\n")
		marker := r.URL.Query().Get("marker")
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(marker); err == nil {
				io.WriteString(w, "second chunk\n")
				return
			}
		}
		io.WriteString(w, "gave up waiting for the client\n")
	}))
}

// startStreamFail streams a plain body that fails half-way: aws-lambda-go
// reports the error in the response's trailers.
func startStreamFail() {
	lambda.Start(func() (io.Reader, error) {
		return io.MultiReader(strings.NewReader("partial "), failingReader{}), nil
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("stream broke") }
