"""The jobs, as library functions that the command line, the notebooks and the quickstart call.

Each job is a settings dataclass (the job's `keras-bert` flags, one to one, with a `validate()`
that names the setting at fault) and a function that runs it and returns a summary dict:

    pretrain(PretrainingSettings(...))   corpus files → a pretrained model folder (resumable)
    finetune(FinetuneSettings(...))      labelled files → a fine-tuned classifier model folder
    distill(DistillSettings(...))        a teacher classifier + unlabelled text → a small student
    finetune_tagging(TaggingSettings(...))  tagged word files (CoNLL, BMES) → a tagger folder
    finetune_qa(QaSettings(...))         SQuAD-format files → a question answerer folder
    evaluate_qa(QaEvaluateSettings(...)) a question answerer on a SQuAD-format file → EM, F1
    predict_qa(QaPredictSettings(...))   a question answerer on a file of questions → answers
    evaluate(EvaluateSettings(...))      a classifier on a labelled file → accuracy, F1, confusion
    predict(PredictSettings(...))        a classifier (folder or SavedModel) on a file → predictions
    search(SearchSettings(...))          a corpus file, indexed once → its texts nearest a query
    evaluate_sts(StsSettings(...))       sentence vectors on STS pairs → Spearman, Pearson ×100

Names load on first use, so reading settings does not import TensorFlow.
"""

from keras_bert.lazy_exports import lazy_exports

_WORKFLOWS = {
    "pretrain": "keras_bert.workflows.pretraining",
    "PretrainingSettings": "keras_bert.workflows.pretraining",
    "finetune": "keras_bert.workflows.finetuning",
    "FinetuneSettings": "keras_bert.workflows.finetuning",
    "distill": "keras_bert.workflows.distillation",
    "DistillSettings": "keras_bert.workflows.distillation",
    "finetune_tagging": "keras_bert.workflows.tagging",
    "TaggingSettings": "keras_bert.workflows.tagging",
    "finetune_qa": "keras_bert.workflows.question_answering",
    "QaSettings": "keras_bert.workflows.question_answering",
    "evaluate_qa": "keras_bert.workflows.qa_evaluation",
    "QaEvaluateSettings": "keras_bert.workflows.qa_evaluation",
    "predict_qa": "keras_bert.workflows.qa_evaluation",
    "QaPredictSettings": "keras_bert.workflows.qa_evaluation",
    "evaluate": "keras_bert.workflows.evaluation",
    "EvaluateSettings": "keras_bert.workflows.evaluation",
    "predict": "keras_bert.workflows.prediction",
    "PredictSettings": "keras_bert.workflows.prediction",
    "search": "keras_bert.workflows.sentence_search",
    "SearchSettings": "keras_bert.workflows.sentence_search",
    "evaluate_sts": "keras_bert.workflows.sts_evaluation",
    "StsSettings": "keras_bert.workflows.sts_evaluation",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _WORKFLOWS)
