From: half@delivered
