package main

type Reader interface{ Read() int }

type ReadCloser interface {
	Reader
	Close()
}

type File struct{}

func (f *File) Read() int { return 0 }

func (f *File) Close() {}

// a Reader but not a ReadCloser
type Buf struct{}

func (b *Buf) Read() int { return 1 }

func use(rc ReadCloser) {
	rc.Read()
	rc.Close()
}

func main() { use(&File{}) }
