package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

// newClient returns an AWS SDK Lambda client pointed at lamina. lamina does
// not check signatures in local mode, so no credentials are needed.
func newClient(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{
		BaseEndpoint: aws.String(strings.TrimRight(endpoint, "/")),
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
	})
}

// explain turns an SDK error into one readable line.
func explain(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return fmt.Errorf("%s: %w (is lamina running? start it with 'lamina serve')", oe.Operation(), oe.Err)
	}
	return err
}
