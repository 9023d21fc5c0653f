# FDFL study: alpha-fair decisions, two-stage vs decision-focused training, Table 2, figures, scorecard.
