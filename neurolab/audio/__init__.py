"""Audio family: log-mel front end, Cnn6 backbone, LRM emotion regression, training and CLI."""
