package main

import "errors"

var ErrHeld = errors.New("held")

type lockError struct{ err error }

func (e *lockError) Error() string { return "lock" }

func (e *lockError) Unwrap() error { return e.err }

type codeError struct{ code int }

func (c codeError) Error() string { return "code" }

func (c codeError) Is(target error) bool { return target == ErrHeld }

func (c codeError) As(target any) bool { return false }

func lock() error { return &lockError{err: ErrHeld} }

func contended(err error) bool { return errors.Is(err, ErrHeld) }

func asCode(err error) bool {
	var c codeError
	return errors.As(err, &c)
}

func cause(e *lockError) error { return errors.Unwrap(e) }

func main() {
	contended(lock())
	contended(codeError{})
	asCode(lock())
	asCode(codeError{})
	cause(&lockError{})
}
