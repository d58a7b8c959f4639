"""`keras-bert search`: the texts of a corpus file (one per line) most similar to a query.

The corpus is embedded once into an index folder (--index, or one in $KERAS_BERT_CACHE) and
reused until the corpus or the model changes; results are ranked by cosine similarity.
"""

MODEL_HELP = (
    "model folder or export (keras-bert finetune / convert / export), any checkpoint folder "
    "(Google, Hugging Face, sentence-transformers) or hf://ORG/NAME"
)
POOLING_HELP = "sentence vector: cls, mean or max (default: the model's own)"


def register(subparsers):
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.workflows.sentence_search import SearchSettings

    parser = subparsers.add_parser(
        "search",
        help="semantic search: the corpus lines most similar to a query",
        description=__doc__,
    )
    parser.add_argument("--model", required=True, help=MODEL_HELP)
    parser.add_argument("--corpus", required=True, help="text file, one text per line")
    parser.add_argument(
        "--query", required=True, action="append", help="the query text (repeat for several)"
    )
    parser.add_argument("-k", type=int, dest="k", help="results per query (default: %(default)s)")
    parser.add_argument(
        "--index",
        metavar="DIR",
        help="the index folder, built on first use (default: one in $KERAS_BERT_CACHE per "
        "corpus, model and pooling)",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="embed the corpus again, replacing the index"
    )
    parser.add_argument("--pooling", help=POOLING_HELP)
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the results")
    use_defaults_of(parser, SearchSettings)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.sentence_search import SearchSettings

    settings = settings_from_args(SearchSettings, args)
    settings.validate()  # before TensorFlow is imported: bad input fails in a second
    from keras_bert.workflows.sentence_search import search

    summary = search(settings, verbose=0 if args.quiet else 1)
    how = (
        f"built in {summary['build_seconds']:.1f} s" if summary["built"] else "reused"
    )
    print(f"index {summary['index']}: {summary['count']:,} texts, {how}")
    for result in summary["results"]:
        print(f"\nquery: {result['query']}")
        for rank, hit in enumerate(result["hits"], 1):
            print(f"{rank:>3}. {hit['score']:.4f}  {hit['text']}  (line {hit['line']})")
    return 0
