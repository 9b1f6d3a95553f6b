export { LogisticRegression, choleskySolve, type LogisticRegressionParams } from './logistic-regression.js';
