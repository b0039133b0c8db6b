"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

BUGS = [
    # Part 1: the leak, and its relatives
    dict(cell="prepare", old="scaler = dk.data.Standardizer().fit(X_tr)", new="scaler = dk.data.Standardizer().fit(X)",
         fails={"test_prepare"}, says="that is the leak", real_run=True),
    dict(cell="prepare", old=".fit(X_tr)", new=".fit(np.concatenate([X_tr, X_val]))", fails={"test_prepare"},
         says="training and validation parts together"),
    dict(cell="prepare",
         old="return (scaler.transform(X_tr), y_tr), (scaler.transform(X_val), y_val), (scaler.transform(X_te), y_te)",
         new="return tuple((dk.data.Standardizer().fit_transform(Xp), yp) for Xp, yp in "
             "((X_tr, y_tr), (X_val, y_val), (X_te, y_te)))",
         fails={"test_prepare"}, says="its own mean and standard deviation"),
    dict(cell="prepare", old="stratify=True", new="stratify=False", fails={"test_prepare"}, says="not stratified"),
    # Part 2: an optimizer too weak for the budget; the History returned instead of the model
    dict(cell="build_and_train", old='optimizer="adam", lr=3e-3, epochs=60',
         new='optimizer="sgd", lr=1e-2, epochs=30', fails={"test_build_and_train"}, says="underfits"),
    dict(cell="build_and_train", old="    dk.fit(model, X, y,", new="    return dk.fit(model, X, y,",
         fails={"test_build_and_train"}, says="return the trained model"),
    # Part 3: fine-tuning the pretrained model in place, forgetting to freeze, a frozen list for one depth only,
    # a fresh model instead of a copy, and an output layer that never catches up
    dict(cell="fine_tune",
         old="model = dk.MLP(pretrained.sizes, activation=pretrained.activations, seed=seed)\n"
             "    model.set_state(pretrained.get_state())",
         new="model = pretrained", fails={"test_fine_tune"}, says="changed `pretrained` itself"),
    dict(cell="fine_tune", old="freeze=hidden, ", new="", fails={"test_fine_tune"}, says="must stay frozen"),
    dict(cell="fine_tune", old="hidden = list(range(1, model.n_layers))", new="hidden = [1, 2]",
         fails={"test_fine_tune"}, says="did not change"),
    dict(cell="fine_tune",
         old="    model.set_state(pretrained.get_state())                     # copies: pretrained itself stays as it is\n",
         new="", fails={"test_fine_tune"}, says="is not the pretrained"),
    dict(cell="fine_tune", old="lr=1e-2, epochs=100", new="lr=1e-4, epochs=20", fails={"test_fine_tune"},
         says="still classified as 0-4"),
]
