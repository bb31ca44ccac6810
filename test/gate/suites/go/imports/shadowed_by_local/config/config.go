package config

type Config struct{}

func Fetch() (*Config, error) { return &Config{}, nil }

func (c *Config) Validate() {}

type Other struct{}

func (o Other) Validate() {}
