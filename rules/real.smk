# (rules for this stage are being written)
