"""scikit-learn's own tests of the mutual-information functions, run against infoflux.sklearn."""
