package service

type Service struct{ w *Worker }

func New() *Service { return &Service{} }

func (s *Service) Run() { s.w.Run() }

type Worker struct{}

func NewWorker(n int) (*Worker, error) { return &Worker{}, nil }

func (w *Worker) Run() {}
