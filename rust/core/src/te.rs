//! Transfer entropy with the KSG estimator (filled in by the TE work).
